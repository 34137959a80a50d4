"""Builds libringrt from the repository this package sits in and ships it inside the package.

`python3 -m pip install --no-build-isolation ./python` runs this: CMake configures the
runtime alone (no tests, tools or benchmarks) in python/build/libringrt, builds the
shared library, and copies it to ringrt/_lib/ of the installed package. The build
directory is kept, so a reinstall only rebuilds what changed.

RINGRT_CMAKE_ARGS (split on spaces) adds configure arguments, e.g. a toolchain file.
"""
import os
import pathlib
import shlex
import shutil
import subprocess
import sys

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

HERE = pathlib.Path(__file__).resolve().parent
SOURCE = HERE.parent  # the ringrt repository


class BuildLibringrt(build_py):
    def run(self):
        super().run()
        if not (SOURCE / "CMakeLists.txt").is_file() or not (SOURCE / "runtime").is_dir():
            sys.exit(f"ringrt: {SOURCE} is not the ringrt repository: install the package from its python/ folder")
        cmake = shutil.which("cmake")
        if cmake is None:
            sys.exit("ringrt: cmake is needed to build libringrt (apt-get install cmake, or scripts/install-deps.sh)")
        build = HERE / "build" / "libringrt"
        configure = [cmake, "-S", str(SOURCE), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                     "-DBUILD_SHARED_LIBS=ON", "-DRINGRT_BUILD_TESTS=OFF", "-DRINGRT_BUILD_EXAMPLES=OFF",
                     "-DRINGRT_BUILD_BENCH=OFF", "-DRINGRT_BUILD_CONVERTER=OFF"]
        configure += shlex.split(os.environ.get("RINGRT_CMAKE_ARGS", ""))
        jobs = str(os.cpu_count() or 1)
        try:
            subprocess.run(configure, check=True, stdout=subprocess.DEVNULL)
            subprocess.run([cmake, "--build", str(build), "--target", "ringrt", "-j", jobs], check=True,
                           stdout=subprocess.DEVNULL)
        except subprocess.CalledProcessError as e:
            sys.exit(f"ringrt: building libringrt failed ({' '.join(e.cmd)}): see the messages above")
        built = sorted((build / "runtime").glob("libringrt.so*"))
        real = [p for p in built if not p.is_symlink()]
        if not real:
            sys.exit(f"ringrt: the build did not produce {build}/runtime/libringrt.so")
        target = pathlib.Path(self.build_lib) / "ringrt" / "_lib"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(real[0], target / "libringrt.so")


class BinaryDistribution(Distribution):
    """The package carries a compiled library: its wheel is tagged for this platform."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildLibringrt}, distclass=BinaryDistribution)
