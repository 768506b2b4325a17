"""Cited answers and quote checks over a folder of news articles, offline.

Pipeline, one module a stage: ingest -> chunk -> embed -> store -> retrieve -> answer / quotes.
"""

__version__ = "0.1.0"
