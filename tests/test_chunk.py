from hypothesis import given, settings as hsettings, strategies as st

from rag.chunk import Sentence, chunk_document, pack_sentences, split_sentences
from rag.ingest import parse_document

from conftest import SEEDS

news_alphabet = st.sampled_from(list("abcdefgh XYZ.,;:!?\"'“”’—-()\n\t0123456789") + ["U.N.", "Feb.", "Mr.", "\n\n", "é", "•"])
news_like_text = st.lists(news_alphabet, max_size=400).map("".join)


@hsettings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), news_like_text))
def test_sentence_offsets_reproduce_text(text):
    for sentence in split_sentences(text):
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.text == sentence.text.strip() and sentence.text


@hsettings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=400), news_like_text), st.integers(1, 40), st.integers(0, 3))
def test_chunk_offsets_reproduce_text(text, max_words, overlap):
    doc = parse_document(text, "x.txt")
    for chunk in chunk_document(doc, max_words, overlap):
        assert text[chunk.start : chunk.end] == chunk.text
        for sentence in chunk.sentences:
            assert text[sentence.start : sentence.end] == sentence.text


def test_splitter_keeps_abbreviations_inside_sentences():
    text = "The U.N. General Assembly met on Feb. 23. It voted 141-7."
    assert [s.text for s in split_sentences(text)] == ["The U.N. General Assembly met on Feb. 23.", "It voted 141-7."]


def test_pack_sentences_overlaps_and_covers_everything():
    sentences = [Sentence(i * 10, i * 10 + 9, "w " * 5) for i in range(7)]
    groups = pack_sentences(sentences, max_words=10, overlap=1)
    assert all(len(g) >= 2 for g in groups[:-1])
    for before, after in zip(groups, groups[1:]):
        assert before[-1] is after[0]
    assert {s for g in groups for s in g} == set(sentences)


def test_chunks_never_contain_boilerplate():
    for path in sorted(SEEDS.glob("*.txt")):
        doc = parse_document(path.read_text(encoding="utf-8"), path.name)
        for chunk in chunk_document(doc):
            for b in doc.boilerplate:
                assert b.end <= chunk.start or b.start >= chunk.end, (path.name, doc.text[b.start : b.end])


def test_chunks_respect_the_word_budget_roughly():
    doc = parse_document(next(SEEDS.glob("000_*.txt")).read_text(encoding="utf-8"), "000")
    chunks = chunk_document(doc, max_words=60, overlap=1)
    longest_sentence = max(len(s.text.split()) for c in chunks for s in c.sentences)
    assert all(len(c.text.split()) < 60 + longest_sentence for c in chunks)
    assert len(chunks) > len(chunk_document(doc, max_words=200, overlap=0))


def test_paragraphs_run_together_without_a_space_are_split_with_exact_offsets():
    text = "Banks and airlines were hit across the region.Early on Friday, flights were grounded. Spain won 2-1.England lost."
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Banks and airlines were hit across the region.", "Early on Friday, flights were grounded.", "Spain won 2-1.England lost."]
    assert all(text[s.start:s.end] == s.text for s in sentences)
    assert [s.text for s in split_sentences("The U.S.Navy said so. Visit example.com today.")] == [
        "The U.S.Navy said so.", "Visit example.com today."]


def test_a_time_of_day_followed_by_its_day_or_time_zone_does_not_end_a_sentence():
    flight = "The plane landed at 2:42 a.m. Thursday at Andrews. Trump greeted the men."
    assert [s.text for s in split_sentences(flight)] == ["The plane landed at 2:42 a.m. Thursday at Andrews.", "Trump greeted the men."]
    match = "Kick-off is at 9 p.m. local time in Berlin. Spain are favourites."
    assert [s.text for s in split_sentences(match)] == ["Kick-off is at 9 p.m. local time in Berlin.", "Spain are favourites."]
    assert [s.text for s in split_sentences("He woke at 6 a.m. He left at noon.")] == ["He woke at 6 a.m.", "He left at noon."]


def test_a_piece_that_starts_with_a_comma_or_in_lower_case_after_an_abbreviation_carries_the_sentence_on():
    visit = "Rep. Doug LaMalfa, R-Calif., joined the president. They toured Paradise."
    assert [s.text for s in split_sentences(visit)] == ["Rep. Doug LaMalfa, R-Calif., joined the president.", "They toured Paradise."]
    match = "The striker, who joined from Real Madrid C.F., scored twice. Spain won."
    assert [s.text for s in split_sentences(match)][-1] == "Spain won."
    assert len(split_sentences(match)) == 2
    assert [s.text for s in split_sentences("He met Gov. Brown. Officials said so.")] == ["He met Gov. Brown.", "Officials said so."]
