"""Evidence recall@5 of the retrieval against a plain baseline, on every evaluation set.

    python benchmarks/bench_retrieval.py [--sets DEV.jsonl[=CORPUS] ...] [-k 5]

The baseline is what a plain RAG would do: each article's raw text cut into 1,000-character
chunks (at white space, no overlap, boilerplate left in), embedded with the same packaged model,
searched by cosine similarity (FAISS flat index). Against it, per answerable question:
- `rag search`: the top k chunks of the hybrid search (dense + BM25, fused) over ~90-word chunks;
- evidence sentences: the top k sentences the answer stage ranks (chunks and sentence search);
- model's evidence: every sentence the model is given (`Settings.evidence_sentences` + continuations).

A question counts as found when one of its `evidence` strings (quotes straightened, spaces
collapsed, case ignored) stands inside a retrieved text, or a retrieved sentence of eight words
or more stands inside the evidence string (an evidence string may span two sentences). Sentences
are far shorter than 1,000-character chunks, so equal recall with sentences is the stronger result.
Questions with a conversation history are asked in their standalone form.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import faiss
import numpy as np

from compare_models import default_sets, parse_set
from rag.candidates import gather
from rag.conversation import Turn, standalone_question
from rag.mentions import read_question
from rag.build import ensure_index
from rag.embed import SentenceTransformerEmbedder, embed_texts
from rag.evaluate import load_items, normalise
from rag.ingest import iter_article_files, read_text
from rag.retrieve import search
from rag.settings import Settings


def plain_chunks(corpus: Path, size: int = 1000) -> list[str]:
    chunks = []
    for path in iter_article_files(corpus):
        try:
            text = read_text(path)
        except ValueError:
            continue
        start = 0
        while start < len(text):
            end = min(len(text), start + size)
            if end < len(text):
                space = text.rfind(" ", start + size // 2, end)
                end = space if space > start else end
            chunks.append(text[start:end])
            start = end
    return chunks


def found(evidence: list[str], texts: list[str]) -> bool:
    wanted = [normalise(e) for e in evidence]
    for text in map(normalise, texts):
        if any(w in text for w in wanted) or (len(text.split()) >= 8 and any(text in w for w in wanted)):
            return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", nargs="*", type=parse_set, help="DEV.jsonl[=CORPUS]; default: seeds and shared corpora")
    parser.add_argument("-k", type=int, default=5)
    args = parser.parse_args()
    embedder = SentenceTransformerEmbedder()
    print("| set | questions | baseline: dense, 1,000-char chunks | rag search (hybrid chunks) | evidence sentences | model's evidence |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        for items_path, corpus in args.sets or default_sets():
            settings = Settings(corpus_dir=corpus, index_dir=Path(scratch) / corpus.parent.name)
            index = ensure_index(settings, embedder)
            chunks = plain_chunks(corpus)
            baseline = faiss.IndexFlatIP(embedder.dimension)
            baseline.add(embed_texts(embedder, chunks))
            counts = np.zeros(4, dtype=int)
            items = [i for i in load_items(items_path) if i.get("kind") != "quote" and not i.get("refuse") and i.get("evidence")]
            for item in items:
                question = standalone_question(item["question"], [Turn(**t) for t in item.get("history", [])])
                vector = embed_texts(embedder, [question])[0]
                _, ids = baseline.search(vector.reshape(1, -1), args.k)
                hits = search(question, index, embedder, settings, k=args.k, query_vector=vector)
                gathered = gather(read_question(question, index), index, embedder, settings)
                counts += [
                    found(item["evidence"], [chunks[i] for i in ids[0] if i >= 0]),
                    found(item["evidence"], [h.text for h in hits]),
                    found(item["evidence"], [e.text for e in gathered.ranked[: args.k]]),
                    found(item["evidence"], [e.text for e in gathered.evidence]),
                ]
            name = corpus.parent.name if corpus.name == "articles" else corpus.name
            print(f"| {name} | {len(items)} | " + " | ".join(f"{c}/{len(items)} ({c / len(items):.2f})" for c in counts) + " |", flush=True)
            index.close()


if __name__ == "__main__":
    main()
