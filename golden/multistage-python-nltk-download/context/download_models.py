"""Fetch the corpora and models once, at build time."""

import nltk
from spacy.cli import download

for corpus in ["punkt_tab", "stopwords"]:
    nltk.download(corpus)

if __name__ == "__main__":
    download("en_core_web_sm")
