from setuptools import find_packages, setup

with open("requirements.txt") as f:
    requirements = f.read().splitlines()

setup(
    name="worker",
    version="0.3.0",
    packages=find_packages(),
    install_requires=requirements,
)
