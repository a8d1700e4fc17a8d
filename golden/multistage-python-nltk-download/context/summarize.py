import nltk
import spacy

print(len(nltk.corpus.stopwords.words("english")), spacy.load("en_core_web_sm").pipe_names)
