"""Build hook: ship the top-level ``questions.json`` and ``resources/`` inside the wheel.

The repository keeps them at the top level (where teachers and the README expect them);
``quizapp.bundled`` finds them in the installed package (``quizapp/_bundled``) or, in a
source checkout or editable install, at the repository root.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildPyWithBundledData(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "quizapp" / "_bundled"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / "questions.json", target / "questions.json")
        if (target / "resources").exists():
            shutil.rmtree(target / "resources")
        shutil.copytree(ROOT / "resources", target / "resources")


setup(cmdclass={"build_py": BuildPyWithBundledData})
