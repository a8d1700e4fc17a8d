from setuptools import setup, find_packages

REQUIRES = '>=3.10, <3.13'

setup(
    name='mytool',
    version='1.0',
    packages=find_packages(),
    python_requires='>=3.10, <3.13',
    entry_points={'console_scripts': ['mytool=mytool:main']},
)
