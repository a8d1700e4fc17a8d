from setuptools import setup

setup(
    name="scraper",
    version="1.0",
    packages=["scraper"],
    install_requires=[
        "requests>=2.31",
        "beautifulsoup4",
    ],
    extras_require={"dev": ["pytest"]},
    entry_points={"console_scripts": ["scrape=scraper:main"]},
)
