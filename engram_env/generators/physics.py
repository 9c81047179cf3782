"""Physics: mechanics and circuits by substituting into one formula or conservation law per step.

Values are chosen so that answers are exact (whole numbers, terminating decimals, fractions),
except projectile motion, whose trigonometry is rounded as the prompt states. Every prompt
names the unit of its answer; the verifier accepts the number with or without that unit.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import ClassVar

import numpy as np

from engram_env.generator import Generator
from engram_env.generators._common import chance, exact_text, rounded_text
from engram_env.problem import Problem
from engram_env.verifiers import QuantityAnswer, RoundedQuantityAnswer, SpacingFreeSteps


class _Physics(SpacingFreeSteps, QuantityAnswer, Generator):
    domain = "physics"


def _q(value: Fraction | int) -> str:
    """A value inside a formula: exact text, negative values and fractions in parentheses."""
    text = exact_text(Fraction(value))
    return f"({text})" if text.startswith("-") or "/" in text else text


def _one_decimal(rng: np.random.Generator, low: int, high: int) -> Fraction:
    """A value with exactly one nonzero decimal between ``low`` and ``high``."""
    return Fraction(int(rng.integers(low, high)) * 10 + int(rng.integers(1, 10)), 10)


class OhmsLaw(_Physics):
    name = "ohms_law"
    tier = 1
    pattern = "formula_substitution"
    prerequisites = ("multiplication", "division")
    summary = "Ohm's law V=I×R: find the voltage, current or resistance from the other two."
    difficulty_doc = (
        "Levels 1-2: whole currents up to 9 A, resistances up to 10×level ohm; 3-5: currents "
        "with one decimal; 6-10: currents in mA (up to 100×(level-5)) and resistances in kohm "
        "(converted first)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        unknown = "VIR"[int(rng.integers(3))]
        steps: list[str] = []
        if difficulty <= 5:
            current = Fraction(int(rng.integers(1, 10))) if difficulty <= 2 else _one_decimal(rng, 0, 10)
            resistance = Fraction(int(rng.integers(1, 10 * difficulty + 1)))
            shown = {"I": f"{exact_text(current)} A", "R": f"{exact_text(resistance)} ohm"}
        else:
            milliamps = int(rng.integers(1, 100 * (difficulty - 5) + 1))
            kilohms = _one_decimal(rng, 0, 5 * difficulty)
            current, resistance = Fraction(milliamps, 1000), kilohms * 1000
            shown = {"I": f"{milliamps} mA", "R": f"{exact_text(kilohms)} kohm"}
            if unknown != "I":
                steps.append(f"I={milliamps}/1000={exact_text(current)} A")
            if unknown != "R":
                steps.append(f"R={exact_text(kilohms)}×1000={exact_text(resistance)} ohm")
        voltage = current * resistance
        shown["V"] = f"{exact_text(voltage)} V"
        if unknown == "V":
            steps.append(f"V=I×R={_q(current)}×{_q(resistance)}={exact_text(voltage)}")
            value, unit = voltage, "V"
        elif unknown == "I":
            steps.append(f"I=V/R={_q(voltage)}/{_q(resistance)}={exact_text(current)}")
            value, unit = current, "A"
        else:
            steps.append(f"R=V/I={_q(voltage)}/{_q(current)}={exact_text(resistance)}")
            value, unit = resistance, "ohm"
        given = " and ".join(f"{k}={shown[k]}" for k in "VIR" if k != unknown)
        prompt = (
            f"Ohm's law: V=I×R (1 A=1000 mA, 1 kohm=1000 ohm). Given {given}, find {unknown}. "
            f"Answer as an exact number in {unit}."
        )
        return self.make(difficulty, prompt, steps, exact_text(value), value=str(value), unit=unit,
                         unknown=unknown, current=str(current), resistance=str(resistance))


class KinematicsVelocity(_Physics):
    name = "kinematics_velocity"
    tier = 2
    pattern = "formula_substitution"
    prerequisites = ("multiplication", "linear_equation")
    summary = "Uniform acceleration v=u+a×t: solve for any one of v, u, a, t."
    difficulty_doc = (
        "Levels 1-2: find v with whole positive values; 3-4: also u; 5-6: also a and t, "
        "decelerations appear; 7-10: accelerations and times with one decimal, values up to "
        "5×level."
    )

    _UNITS: ClassVar[dict[str, str]] = {"v": "m/s", "u": "m/s", "a": "m/s^2", "t": "s"}

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        unknowns = "v" if difficulty <= 2 else "vu" if difficulty <= 4 else "vuat"
        unknown = unknowns[int(rng.integers(len(unknowns)))]
        u = Fraction(int(rng.integers(0, 5 * difficulty + 1)))
        if difficulty <= 6:
            a = Fraction(int(rng.integers(1, difficulty + 3)))
            t = Fraction(int(rng.integers(1, 2 * difficulty + 3)))
        else:
            a, t = _one_decimal(rng, 0, difficulty), _one_decimal(rng, 0, 2 * difficulty)
        if difficulty >= 5 and chance(rng, 0.3):
            a = -a
        v = u + a * t
        at = a * t
        if unknown in "vu":
            steps = [f"a×t={_q(a)}×{_q(t)}={exact_text(at)}"]
            steps.append(f"v=u+a×t={_q(u)}+{_q(at)}={exact_text(v)}" if unknown == "v"
                         else f"u=v-a×t={_q(v)}-{_q(at)}={exact_text(u)}")
        else:
            steps = [f"v-u={_q(v)}-{_q(u)}={exact_text(at)}"]
            steps.append(f"a=(v-u)/t={_q(at)}/{_q(t)}={exact_text(a)}" if unknown == "a"
                         else f"t=(v-u)/a={_q(at)}/{_q(a)}={exact_text(t)}")
        values = {"v": v, "u": u, "a": a, "t": t}
        given = ", ".join(f"{k}={exact_text(values[k])} {self._UNITS[k]}" for k in "vuat" if k != unknown)
        prompt = (
            "Uniform acceleration: v=u+a×t (u initial and v final velocity, a acceleration, t time). "
            f"Given {given}, find {unknown}. Answer as an exact number in {self._UNITS[unknown]}."
        )
        value = values[unknown]
        return self.make(difficulty, prompt, steps, exact_text(value), value=str(value),
                         unit=self._UNITS[unknown], unknown=unknown,
                         known={k: str(values[k]) for k in "vuat" if k != unknown})


class NewtonSecondLaw(_Physics):
    name = "newton_second_law"
    tier = 2
    pattern = "formula_substitution"
    prerequisites = ("multiplication", "division", "addition")
    summary = "Newton's second law: net force of forces along a line, then a=F/m."
    difficulty_doc = (
        "Levels 1-2: one force, find a, F or m; 3-10: 2 up to 1+level//2 forces pointing left "
        "or right, find the signed acceleration; masses up to 5×level kg, forces up to "
        "10×level N."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        mass = Fraction(int(rng.integers(1, 5 * difficulty + 1)))
        if difficulty <= 2:
            a = Fraction(int(rng.integers(1, 10)))
            force = mass * a
            unknown = "amF"[int(rng.integers(3))]
            formula = {"a": "a=F/m", "m": "m=F/a", "F": "F=m×a"}[unknown]
            values = {"a": a, "m": mass, "F": force}
            known = {k: v for k, v in values.items() if k != unknown}
            units = {"a": "m/s^2", "m": "kg", "F": "N"}
            given = " and ".join(f"{k}={exact_text(v)} {units[k]}" for k, v in known.items())
            operator = "×" if unknown == "F" else "/"
            left, right = (mass, a) if unknown == "F" else (force, a if unknown == "m" else mass)
            steps = [f"{formula}={exact_text(left)}{operator}{exact_text(right)}={exact_text(values[unknown])}"]
            prompt = (f"Newton's second law F=m×a. A single force acts on a body: {given}. Find "
                      f"{unknown}. Answer as an exact number in {units[unknown]}.")
            return self.make(difficulty, prompt, steps, exact_text(values[unknown]),
                             value=str(values[unknown]), unit=units[unknown], known={k: str(v) for k, v in known.items()})
        count = int(rng.integers(2, 2 + difficulty // 2))
        forces = [int(rng.integers(1, 10 * difficulty + 1)) * (1 if chance(rng, 0.5) else -1) for _ in range(count)]
        net = sum(forces)
        a = Fraction(net, int(mass))
        described = ", ".join(f"{abs(f)} N to the {'right' if f > 0 else 'left'}" for f in forces)
        steps = ["F=" + "".join(f"{f:+d}" for f in forces).lstrip("+") + f"={net}",
                 f"a=F/m={_q(net)}/{exact_text(mass)}={exact_text(a)}"]
        prompt = (
            f"A {exact_text(mass)} kg body on a frictionless floor feels the forces {described}. "
            "Taking right as positive, find the net force, then its acceleration a=F/m. Answer as "
            "an exact signed number in m/s^2."
        )
        return self.make(difficulty, prompt, steps, exact_text(a), value=str(a), unit="m/s^2",
                         forces=forces, mass=str(mass))


class KinematicsDisplacement(_Physics):
    name = "kinematics_displacement"
    tier = 3
    pattern = "formula_substitution"
    prerequisites = ("kinematics_velocity", "powers")
    summary = "Displacement under uniform acceleration s=u×t+a×t^2/2, solved for s, a or u."
    difficulty_doc = (
        "Levels 1-3: find s with whole values; 4-5: also a; 6: also u; 7-10: accelerations with "
        "one decimal, times and speeds growing with the level."
    )

    _UNITS: ClassVar[dict[str, str]] = {"s": "m", "u": "m/s", "a": "m/s^2", "t": "s"}

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        unknowns = "s" if difficulty <= 3 else "sa" if difficulty <= 5 else "sau"
        unknown = unknowns[int(rng.integers(len(unknowns)))]
        u = Fraction(int(rng.integers(0, 5 * difficulty + 1)))
        t = Fraction(int(rng.integers(1, difficulty + 4)))
        a = Fraction(int(rng.integers(1, difficulty + 3))) if difficulty <= 6 else _one_decimal(rng, 0, difficulty)
        ut, half = u * t, a * t * t / 2
        s = ut + half
        if unknown == "s":
            steps = [f"u×t={_q(u)}×{_q(t)}={exact_text(ut)}",
                     f"a×t^2/2={_q(a)}×{_q(t * t)}/2={exact_text(half)}",
                     f"s={exact_text(ut)}+{exact_text(half)}={exact_text(s)}"]
        elif unknown == "a":
            steps = [f"u×t={_q(u)}×{_q(t)}={exact_text(ut)}",
                     f"s-u×t={_q(s)}-{_q(ut)}={exact_text(half)}",
                     f"a=2×{_q(half)}/{_q(t * t)}={exact_text(a)}"]
        else:
            steps = [f"a×t^2/2={_q(a)}×{_q(t * t)}/2={exact_text(half)}",
                     f"s-a×t^2/2={_q(s)}-{_q(half)}={exact_text(ut)}",
                     f"u={_q(ut)}/{_q(t)}={exact_text(u)}"]
        values = {"s": s, "u": u, "a": a, "t": t}
        given = ", ".join(f"{k}={exact_text(values[k])} {self._UNITS[k]}" for k in "suat" if k != unknown)
        prompt = (
            "Uniform acceleration: s=u×t+a×t^2/2 (s displacement, u initial velocity, a "
            f"acceleration, t time). Given {given}, find {unknown}. Answer as an exact number in "
            f"{self._UNITS[unknown]}."
        )
        value = values[unknown]
        return self.make(difficulty, prompt, steps, exact_text(value), value=str(value),
                         unit=self._UNITS[unknown], unknown=unknown,
                         known={k: str(values[k]) for k in "suat" if k != unknown})


# A resistor network: a resistance (leaf) or ("series" | "parallel", children).
Network = int | tuple[str, list["Network"]]


def _network(rng: np.random.Generator, count: int, kind: str, high: int) -> Network:
    """A random series-parallel network of ``count`` resistors of 1..``high`` ohm."""
    if count == 1:
        return int(rng.integers(1, high + 1))
    parts = 2 if kind == "parallel" or count == 2 else int(rng.integers(2, min(3, count) + 1))
    cuts = np.sort(rng.choice(np.arange(1, count), size=parts - 1, replace=False))
    sizes = np.diff(np.concatenate(([0], cuts, [count])))
    other = "parallel" if kind == "series" else "series"
    return kind, [_network(rng, int(size), other, high) for size in sizes]


def _network_text(network: Network, top: bool = True) -> str:
    if isinstance(network, int):
        return str(network)
    kind, children = network
    text = (" + " if kind == "series" else " || ").join(_network_text(c, False) for c in children)
    return text if top and kind == "series" else f"({text})"


def _reduce(network: Network, steps: list[str]) -> Fraction:
    """The equivalent resistance, appending one step per series or parallel combination."""
    if isinstance(network, int):
        return Fraction(network)
    kind, children = network
    values = [_reduce(child, steps) for child in children]
    if kind == "series":
        total = sum(values, Fraction(0))
        steps.append("+".join(_q(v) for v in values) + f"={exact_text(total)}")
    else:
        x, y = values
        total = x * y / (x + y)
        steps.append(f"{_q(x)}×{_q(y)}/({_q(x)}+{_q(y)})={exact_text(total)}")
    return total


_NETWORK_RULES = (
    "In the network, A + B is a series connection (R=A+B) and A || B a parallel one "
    "(R=A×B/(A+B)); resistances in ohm."
)


def _draw_network(rng: np.random.Generator, difficulty: int) -> tuple[Network, list[str], Fraction]:
    """A network for the level with its reduction steps and resistance.

    Redrawn (at most 20 times) while the steps run past 300 characters, which keeps rare
    networks with huge fractions within the target cap.
    """
    count = 2 + (difficulty - 1) * 7 // 9
    for _ in range(20):
        network = _network(rng, count, "series" if chance(rng, 0.5) else "parallel", 3 + 3 * difficulty)
        steps: list[str] = []
        total = _reduce(network, steps)
        if sum(map(len, steps)) <= 300:
            break
    return network, steps, total


class ResistorNetwork(_Physics):
    name = "resistor_network"
    tier = 3
    pattern = "recursive_decomposition"
    prerequisites = ("ohms_law", "fraction_addition")
    summary = "Equivalent resistance of a series-parallel network, innermost groups first."
    difficulty_doc = (
        "2 resistors at level 1 up to 9 at level 10, nested alternately in series and parallel; "
        "resistances up to 3+3×level ohm."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        network, steps, total = _draw_network(rng, difficulty)
        prompt = (
            f"{_NETWORK_RULES} Find the equivalent resistance of {_network_text(network)}, combining "
            "innermost groups first. Answer exactly in ohm (an integer, a terminating decimal or a "
            "fraction)."
        )
        return self.make(difficulty, prompt, steps, exact_text(total), value=str(total), unit="ohm",
                         network=network)


class CircuitPower(_Physics):
    name = "circuit_power"
    tier = 4
    pattern = "formula_substitution"
    prerequisites = ("resistor_network", "ohms_law")
    summary = "A battery across a resistor network: equivalent resistance, current, then power."
    difficulty_doc = (
        "As resistor_network (2 resistors at level 1 up to 9 at level 10), with a battery of up "
        "to 6+6×level V."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        network, steps, resistance = _draw_network(rng, difficulty)
        voltage = Fraction(int(rng.integers(1, 7 + 6 * difficulty)))
        current = voltage / resistance
        power = voltage * current
        steps += [f"I=V/R={_q(voltage)}/{_q(resistance)}={exact_text(current)}",
                  f"P=V×I={_q(voltage)}×{_q(current)}={exact_text(power)}"]
        prompt = (
            f"{_NETWORK_RULES} A {exact_text(voltage)} V battery drives the network "
            f"{_network_text(network)}. Reduce it to one resistance R (innermost groups first), then "
            "find the current I=V/R and the power P=V×I it draws. Answer exactly in W."
        )
        return self.make(difficulty, prompt, steps, exact_text(power), value=str(power), unit="W",
                         network=network, voltage=str(voltage))


class MomentumCollision(_Physics):
    name = "momentum_collision"
    tier = 4
    pattern = "conservation_and_balance"
    prerequisites = ("newton_second_law", "linear_equation")
    summary = "A head-on collision on a line, solved by conservation of momentum."
    difficulty_doc = (
        "Levels 1-3: the bodies stick together (find the common velocity); 4-7: also one final "
        "velocity known (between the elastic and sticky outcomes), find the other; 8-10: also "
        "elastic collisions (relative velocity "
        "reverses). Masses up to 2×level+2 kg, speeds up to 2×level+3 m/s, opposite directions "
        "from level 3."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        kinds = ["sticky"] + (["one known"] if difficulty >= 4 else []) + (["elastic"] if difficulty >= 8 else [])
        kind = kinds[int(rng.integers(len(kinds)))]
        m1, m2 = (int(rng.integers(1, 2 * difficulty + 3)) for _ in range(2))
        u1 = int(rng.integers(1, 2 * difficulty + 4))
        u2 = int(rng.integers(-2 * difficulty - 3 if difficulty >= 3 else 0, u1))  # body 1 catches up
        p = m1 * u1 + m2 * u2
        common = Fraction(p, m1 + m2)
        # Physically possible final velocities of body 1 lie between the elastic and sticky cases.
        possible = range(math.ceil(2 * common - u1), math.floor(common) + 1)
        if kind == "one known" and not possible:
            kind = "sticky"
        steps = [f"p=m1×u1+m2×u2={m1}×{u1}+{m2}×{_q(u2)}={p}"]
        setup = f"Body 1 ({m1} kg) moves at {u1} m/s and body 2 ({m2} kg) at {u2} m/s."
        if kind == "sticky":
            value = common
            steps.append(f"v=p/(m1+m2)={p}/{m1 + m2}={exact_text(value)}")
            question = "They collide and stick together. Find their common velocity."
        elif kind == "one known":
            v1 = possible[int(rng.integers(len(possible)))]
            rest = p - m1 * v1
            value = Fraction(rest, m2)
            steps += [f"m2×v2=p-m1×v1={p}-{m1}×{_q(v1)}={rest}", f"v2={rest}/{m2}={exact_text(value)}"]
            question = f"After the collision body 1 moves at {v1} m/s. Find the velocity of body 2."
        else:
            closing = u1 - u2
            value = Fraction(p - m2 * closing, m1 + m2)
            steps += [f"v2-v1=u1-u2={u1}-{_q(u2)}={closing}",
                      f"v1=(p-m2×(u1-u2))/(m1+m2)=({p}-{m2}×{_q(closing)})/{m1 + m2}={exact_text(value)}"]
            question = ("The collision is elastic (momentum is conserved and the relative velocity "
                        "reverses: v2-v1=u1-u2). Find the velocity v1 of body 1 after it.")
        prompt = (
            f"On a line, velocities are positive to the right. {setup} {question} Use conservation "
            "of momentum p=m1×u1+m2×u2. Answer as an exact signed number in m/s."
        )
        return self.make(difficulty, prompt, steps, exact_text(value), value=str(value), unit="m/s",
                         kind=kind, masses=[m1, m2], velocities=[u1, u2],
                         known_v1=v1 if kind == "one known" else None)


_G = 9.8


class ProjectileRange(SpacingFreeSteps, RoundedQuantityAnswer, Generator):
    name = "projectile_range"
    domain = "physics"
    tier = 4
    pattern = "approximation_and_numerical"
    prerequisites = ("kinematics_displacement", "powers")
    summary = "Projectile motion with g=9.8 m/s^2: range, peak height or flight time, rounded."
    difficulty_doc = (
        "Levels 1-3: range on level ground at 30°, 45° or 60°; 4-6: any whole angle 10°-80°, "
        "range, peak height or flight time; 7-10: launched from a height (the flight time needs "
        "the quadratic formula), landing distance or time. Speeds up to 10+5×level m/s."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        speed = int(rng.integers(5, 11 + 5 * difficulty))
        angle = [30, 45, 60][int(rng.integers(3))] if difficulty <= 3 else int(rng.integers(10, 81))
        ux, uy = speed * math.cos(math.radians(angle)), speed * math.sin(math.radians(angle))
        steps = [f"ux={speed}×cos({angle}°)={rounded_text(ux, 4)}", f"uy={speed}×sin({angle}°)={rounded_text(uy, 4)}"]
        height = 0
        if difficulty <= 3:
            kind = "range"
        elif difficulty <= 6:
            kind = ["range", "peak height", "flight time"][int(rng.integers(3))]
        else:
            kind = ["range", "flight time"][int(rng.integers(2))]
            height = int(rng.integers(1, 10 * difficulty))
        if kind == "peak height":
            value, unit = uy * uy / (2 * _G), "m"
            steps = steps[1:] + [f"H=uy^2/(2×9.8)={rounded_text(value, 4)}"]
        else:
            if height:
                square = uy * uy + 2 * _G * height
                time = (uy + math.sqrt(square)) / _G
                steps += [f"uy^2+2×9.8×{height}={rounded_text(square, 4)}",
                          f"t=(uy+√{rounded_text(square, 4)})/9.8={rounded_text(time, 4)}"]
            else:
                time = 2 * uy / _G
                steps.append(f"t=2×uy/9.8={rounded_text(time, 4)}")
            value, unit = (time, "s") if kind == "flight time" else (ux * time, "m")
            if kind == "flight time":
                steps = steps[1:]
            else:
                steps.append(f"R=ux×t={rounded_text(value, 4)}")
        where = f"from {height} m above level ground" if height else "from level ground"
        question = {"range": "the horizontal distance to where it lands", "peak height": "its peak height",
                    "flight time": "its time of flight until it lands"}[kind]
        prompt = (
            f"A ball is launched {where} at {speed} m/s, {angle}° above the horizontal; g=9.8 m/s^2, "
            f"no air resistance. Find {question}. Show intermediate values rounded to 4 decimals but "
            f"compute with unrounded ones; answer in {unit} rounded to 2 decimals."
        )
        return self.make(difficulty, prompt, steps, rounded_text(value, 2), exact=value, places=2,
                         unit=unit, kind=kind, speed=speed, angle=angle, height=height)


class EnergyConservation(_Physics):
    name = "energy_conservation"
    tier = 4
    pattern = "conservation_and_balance"
    prerequisites = ("kinematics_displacement", "powers")
    summary = "Speed of a body after it moves between heights, by conservation of energy."
    difficulty_doc = (
        "Levels 1-3: starting from rest, no friction; 4-5: a starting speed; 6-10: energy lost "
        "to friction too; from level 8 half the problems ask for the final height instead. "
        "Masses, speeds and heights grow with the level."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        masses = [1, 2, 4, 5, 8, 10, 20, 25, 40, 50][: 3 + difficulty // 2]
        m = masses[int(rng.integers(len(masses)))]
        u = 0 if difficulty <= 3 else int(rng.integers(1, difficulty + 3))
        v = u + int(rng.integers(1, 4 + 2 * difficulty))
        h2 = int(rng.integers(0, 2 * difficulty + 1))
        lost = 10 * int(rng.integers(1, 5 * difficulty)) if difficulty >= 6 else 0
        ke1, ke2 = Fraction(m * u * u, 2), Fraction(m * v * v, 2)
        pe2 = Fraction(10 * m * h2)
        h1 = (ke2 + pe2 + lost - ke1) / (10 * m)
        pe1 = 10 * m * h1
        energy = ke1 + pe1 - lost
        ask_height = difficulty >= 8 and chance(rng, 0.5)
        friction_term = f"-{lost}" if lost else ""
        steps = [f"KE1=m×u^2/2={m}×{u}^2/2={exact_text(ke1)}", f"PE1=m×g×h1={m}×10×{exact_text(h1)}={exact_text(pe1)}",
                 f"E=KE1+PE1{'-W' if lost else ''}={exact_text(ke1)}+{exact_text(pe1)}{friction_term}={exact_text(energy)}"]
        if ask_height:
            steps += [f"KE2=m×v^2/2={m}×{v}^2/2={exact_text(ke2)}", f"PE2=E-KE2={exact_text(energy - ke2)}",
                      f"h2=PE2/(m×g)={exact_text(pe2)}/{10 * m}={h2}"]
            value, unit, question = Fraction(h2), "m", f"its speed is {v} m/s. Find its height h2 then"
        else:
            steps += [f"PE2=m×g×h2={m}×10×{h2}={exact_text(pe2)}", f"KE2=E-PE2={exact_text(ke2)}",
                      f"v^2=2×KE2/m={v * v}", f"v=√{v * v}={v}"]
            value, unit, question = Fraction(v), "m/s", f"it passes height h2={h2} m. Find its speed v there"
        friction = f" Friction takes W={lost} J of energy on the way." if lost else ""
        prompt = (
            f"A {m} kg body starts at height h1={exact_text(h1)} m with speed {u} m/s and slides along "
            f"a track; later {question}.{friction} Use g=10 m/s^2, KE=m×v^2/2, PE=m×g×h and "
            f"KE1+PE1-W=KE2+PE2. Answer as an exact number in {unit}."
        )
        return self.make(difficulty, prompt, steps, exact_text(value), value=str(value), unit=unit,
                         mass=m, u=u, h1=str(h1), lost=lost, v=v, h2=h2, ask_height=ask_height)
