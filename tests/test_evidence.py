from types import SimpleNamespace

import numpy as np
import pytest

from rag.answer import disagreement_note
from rag.verify import verify_draft as verify_llm_answer
from rag.evidence import (
    Evidence, asked_years, compares_sources, coverage, covering_asked_years, event_year, figures_agree,
    has_count, has_full_date, inferred_years, is_tally, names_agree, per_article, resolve_relative_dates,
    scope_mismatch, select_evidence, spread, stems, vote_sides, with_continuations, with_outcome,
    word_weights, years_agree,
)
from rag.retrieve import has_enumeration, is_list_question, search
from rag.store import DocumentInfo, build_index, open_index
from rag.embed import embed_texts

DATED = DocumentInfo("a", "a.txt", None, "Kyodo", "2023-02-23", None)
UNDATED = DocumentInfo("b", "b.txt", None, None, None, None)


@pytest.fixture
def index(settings, fake_embedder):
    build_index(settings, fake_embedder)
    return open_index(settings)


def evidence(doc, text, score, sentence_id=0, inferred_year=None):
    return Evidence(doc, 0, len(text), text, score, score, 0.0, score, sentence_id, inferred_year)


def index_with_article(settings, embedder, name, text):
    """The seed index plus one article; returns the index and the article's first sentence as evidence."""
    (settings.corpus_dir / name).write_text(text, encoding="utf-8")
    build_index(settings, embedder)
    index = open_index(settings)
    doc = next(d for d in index.documents().values() if d.source == name)
    first = index.sentences_in(doc.doc_id)[0]
    return index, Evidence(doc, first.start, first.end, first.text, 1.0, 1.0, 1.0, 1.0, first.id)


def ranked_evidence(question, index, embedder, settings, limit, source=None):
    """select_evidence over the hits of the question (only those of `source`, if given)."""
    vector = embed_texts(embedder, [question])[0]
    hits = [h for h in search(question, index, embedder, settings, query_vector=vector) if source in (None, h.doc.source)]
    return select_evidence(question, hits, index, embedder, vector, limit=limit)


def test_rare_question_words_weigh_more_than_common_ones(index):
    weights = word_weights("third anniversary General Assembly", index)
    assert weights["third"] > weights["assembl"]
    assert coverage(weights, "on the third anniversary") > coverage(weights, "the General Assembly voted")


def test_words_no_article_uses_still_count_against_coverage(index):
    weights = word_weights("stock market earnings resolution", index)
    assert weights["stock"] > 0
    assert coverage(weights, "The resolution passed.") < 0.5


def test_outlet_names_pick_the_article_and_do_not_count_as_content(index):
    assert "euromaidan" not in word_weights("Which countries does the Euromaidan Press article name?", index)


def test_list_questions_and_enumerations():
    assert is_list_question("Which countries voted against the resolution?")
    assert is_list_question("Who abstained?")
    assert not is_list_question("How many countries abstained?")
    assert has_enumeration("Belarus, Eritrea, Mali and Syria voted against.")
    assert has_enumeration("The US along with Russia, Israel and North Korea voted no.")
    assert not has_enumeration("Russia and Belarus voted against.")


def test_scope_mismatch_by_ordinal_month_and_year():
    assert scope_mismatch("What happened on the third anniversary?", "a day before the first anniversary", UNDATED)
    assert not scope_mismatch("What happened on the third anniversary?", "on the third anniversary", UNDATED)
    assert scope_mismatch("What passed in February 2023?", "In October, 143 members voted", UNDATED)
    assert scope_mismatch("How did the 2025 vote go?", "The resolution passed.", DATED)
    assert not scope_mismatch("How did the 2023 vote go?", "The resolution passed.", DATED)


def test_relative_dates_are_read_against_the_article_date():
    text = "since the start of Russia's invasion on Feb. 24 last year, the assembly said on Thursday"
    assert resolve_relative_dates(text, "2023-02-23") == [("Feb. 24 last year", "2022"), ("Thursday", "2023-02-23")]
    assert resolve_relative_dates(text, None) == []
    assert has_full_date(text, DATED) and not has_full_date(text, UNDATED)
    assert has_full_date("on Feb. 24, 2022.", UNDATED)


def test_undated_articles_get_a_year_from_an_anniversary(index):
    documents = {d.source: d for d in index.documents().values()}
    years = inferred_years(index)
    third = years[documents["004_5b56f0ea11ebe318.txt"].doc_id]
    assert third.year == 2025 and "third anniversary" in third.reason
    assert years[documents["003_a924d3cbd27e2289.txt"].doc_id].year == 2023
    assert documents["000_2b55d0e275b52fac.txt"].doc_id not in years  # dated: nothing to infer


def test_an_undated_article_reporting_the_day_another_was_published_gets_its_year(index):
    documents = {d.source: d for d in index.documents().values()}
    euromaidan = inferred_years(index)[documents["001_650fe4c677cfeca5.txt"].doc_id]
    assert euromaidan.year == 2023 and "23 February" in euromaidan.reason


def test_date_questions_prefer_sentences_that_hold_a_date(index, fake_embedder, settings):
    question = "On what date did the invasion start?"
    vector = embed_texts(fake_embedder, [question])[0]
    hits = search(question, index, fake_embedder, settings, k=10, query_vector=vector)
    chosen = select_evidence(question, hits, index, fake_embedder, vector, limit=3)
    assert has_full_date(chosen[0].text, chosen[0].doc), chosen[0].text


def test_spread_prefers_a_sentence_that_adds_something_new():
    vectors = np.array([[1.0, 0.0], [0.999, 0.045], [0.0, 1.0]], dtype=np.float32)
    fake_index = SimpleNamespace(sentence_vectors=vectors)
    other = DocumentInfo("c", "c.txt", None, "AP", None, None)
    pool = [evidence(DATED, "lede", 1.0, 0), evidence(other, "lede again", 0.98, 1), evidence(DATED, "detail", 0.9, 2)]
    assert [e.text for e in spread(pool, 2, fake_index)] == ["lede", "detail"]
    assert [e.text for e in spread(pool, 2, fake_index, redundancy=0.0)] == ["lede", "lede again"]


def test_a_following_sentence_that_is_itself_evidence_joins_its_predecessor(index):
    documents = {d.source: d for d in index.documents().values()}
    doc = documents["002_0ac20158bc45281d.txt"]
    first, second, *_ = index.sentences_in(doc.doc_id)
    lead = Evidence(doc, first.start, first.end, first.text, 1.0, 1.0, 1.0, 1.0, first.id)
    detail = Evidence(doc, second.start, second.end, second.text, 0.9, 0.9, 0.5, 0.9, second.id)
    assert with_continuations([lead], [lead], index, 3) == [lead]
    assert with_continuations([lead], [lead, detail], index, 3) == [lead, detail]


def test_what_happened_questions_get_the_nearest_sentence_with_figures(fake_embedder, settings):
    index, anchor = index_with_article(
        settings, fake_embedder, "event.txt",
        "The assembly met on the third anniversary of the invasion.\n"
        "Three delegates spoke first.\n"
        "In 2024 a similar meeting was held.\n"
        "The resolution passed with 93 votes in favour and 8 against.\n"
        "A later vote drew 18 no votes.\n",
    )
    picked = with_outcome("What happened at the assembly on the third anniversary?", [anchor], index)
    assert [e.text for e in picked] == [anchor.text, "The resolution passed with 93 votes in favour and 8 against."]
    assert with_outcome("Who spoke at the assembly?", [anchor], index) == [anchor]


def test_a_sentence_repeated_word_for_word_is_evidence_once(fake_embedder, settings):
    index, _ = index_with_article(
        settings, fake_embedder, "bullets.txt",
        "KEY POINTS\n\n  • Quorblat abstained in the Zentavian vote\n\n"
        "Officials met on Monday.\n\nThe envoys spoke for an hour. Quorblat abstained in the Zentavian vote.\n",
    )
    ranked = ranked_evidence("Who abstained in the Zentavian vote?", index, fake_embedder, settings, limit=10)
    texts = [e.text.rstrip(".") for e in ranked]
    assert texts.count("Quorblat abstained in the Zentavian vote") == 1


def test_model_sentences_that_repeat_or_echo_passage_labels_are_cleaned(fake_embedder):
    passages = [evidence(DATED, "Belarus, Mali and Syria voted against the resolution.", 1.0)]
    raw = "(Kyodo, 2023-02-23) Belarus, Mali and Syria voted against [1]. Belarus, Mali and Syria voted against [1]."
    kept, notes = verify_llm_answer(raw, passages, fake_embedder)
    assert kept == [("Belarus, Mali and Syria voted against.", [1])]
    assert any("repeated" in n for n in notes)


def test_a_model_may_name_the_person_a_passage_calls_he_when_the_sentence_before_names_him(fake_embedder):
    named = "EU foreign policy chief Josep Borrell told reporters Ukraine cannot be asked not to defend itself."
    said = "He said Putin will continue with his special military operation."
    first = Evidence(DATED, 0, len(named), named, 1.0, 1.0, 0.0, 1.0, 0)
    second = Evidence(DATED, len(named) + 1, len(named) + 1 + len(said), said, 1.0, 1.0, 0.0, 1.0, 1)
    raw = "Josep Borrell said Putin will continue with his special military operation [2]."
    kept, _ = verify_llm_answer(raw, [first, second], fake_embedder)
    assert kept == [("Josep Borrell said Putin will continue with his special military operation.", [2])]
    kept, notes = verify_llm_answer(raw, [second], fake_embedder)
    assert kept == [] and any("no passage supports" in n for n in notes)


def test_articles_from_different_years_are_flagged_with_their_dates():
    fake_index = SimpleNamespace(sentence_vectors=np.eye(2, dtype=np.float32))
    cited = [(1, evidence(DATED, "Seven voted against.", 1.0, 0)), (2, evidence(UNDATED, "18 voted no.", 1.0, 1, 2025))]
    note = disagreement_note("Which countries voted against?", cited, fake_index)
    assert "different years" in note and "2023-02-23 [1]" in note and "undated (2025?) [2]" in note
    same_year = [cited[0], (2, evidence(UNDATED, "18 voted no.", 1.0, 1))]
    assert disagreement_note("Which countries voted against?", same_year, fake_index) is None


def test_different_figures_for_the_same_fact_are_flagged_but_different_facts_are_not():
    alike = SimpleNamespace(sentence_vectors=np.array([[1.0, 0.0], [0.8, 0.6]], dtype=np.float32))
    unlike = SimpleNamespace(sentence_vectors=np.eye(2, dtype=np.float32))
    other = DocumentInfo("c", "c.txt", None, "AP", "2023-02-23", None)
    cited = [(1, evidence(DATED, "Six countries voted against.", 1.0, 0)), (2, evidence(other, "Seven countries voted against.", 1.0, 1))]
    assert "different figures" in disagreement_note("How many countries voted against?", cited, alike)
    assert disagreement_note("How many countries voted against?", cited, unlike) is None
    october = [cited[0], (2, evidence(other, "In October, seven countries voted against.", 1.0, 1))]
    assert disagreement_note("How many countries voted against?", october, alike) is None, "October 2022 is another vote"


def test_questions_about_wording_prefer_sentences_that_quote(index, fake_embedder, settings):
    question = "How does the resolution say Russia must withdraw its troops?"
    vector = embed_texts(fake_embedder, [question])[0]
    hits = search(question, index, fake_embedder, settings, k=10, query_vector=vector)
    plain = question.replace(" say", "")
    quoted = [e for e in select_evidence(question, hits, index, fake_embedder, vector, 40) if "“" in e.text or '"' in e.text]
    unquoted_scores = {(e.doc.doc_id, e.start): e.score for e in select_evidence(plain, hits, index, fake_embedder, vector, 40)}
    assert quoted and all(e.score > unquoted_scores[(e.doc.doc_id, e.start)] for e in quoted)


def test_stemming_is_safe_from_many_threads():
    from concurrent.futures import ThreadPoolExecutor

    from rag.evidence import stems

    texts = [f"The countries abstaining voted against resolutions {i} times, deploring withdrawals" for i in range(400)]
    expected = [stems(t) for t in texts]
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(stems, texts)) == expected


def test_british_and_american_spellings_compare_equal():
    assert stems("votes in favour of the defence programme") == stems("votes in favor of the defense program")


def test_a_bare_month_after_the_articles_date_is_the_year_before():
    assert event_year("In October, 143 members voted in favor.", DATED) == 2022
    assert event_year("In January the council met.", DATED) == 2023
    assert event_year("In October 2023 the council met.", DATED) == 2023
    assert event_year("since the invasion on Feb. 24 last year", DATED) == 2023
    assert scope_mismatch("How many voted in favour in 2023?", "In October, 143 members voted in favor.", DATED)
    assert not scope_mismatch("How many voted in favour in 2022?", "In October, 143 members voted in favor.", DATED)


def test_a_figure_must_stand_in_the_passage_on_the_same_side_of_the_vote():
    passage = "In a vote, 141 countries favored the resolution, while 32 abstained, and six joined Russia in voting no."
    assert figures_agree("141 countries backed the resolution", passage)
    assert not figures_agree("141 countries voted against the resolution", passage)
    assert not figures_agree("143 countries backed the resolution", passage)
    assert figures_agree("Six countries joined Russia in voting no", passage)
    assert not figures_agree("Six countries abstained", passage)
    assert figures_agree("The resolution passed in 2023 after one day", passage)
    assert figures_agree("143 countries approved it", "That tally won approval by 143 countries.")
    assert not figures_agree("143 countries voted against it", "That tally won approval by 143 countries.")
    assert figures_agree("Six countries joined Russia", "Belarus, North Korea, Syria, Eritrea, Mali and Nicaragua joined Russia.")


def test_a_year_the_sentence_names_must_be_the_passages():
    spoke = evidence(DATED, "Kuleba spoke after the vote.", 1.0)
    assert years_agree("Kuleba spoke at the 2023 vote.", spoke)
    assert not years_agree("Kuleba spoke at the 2025 vote.", spoke)
    assert years_agree("Russia invaded in 2022.", evidence(DATED, "Russia invaded on Feb. 24, 2022.", 1.0))
    assert years_agree("It passed in 2025.", evidence(UNDATED, "It passed.", 1.0, inferred_year=2025))
    assert not years_agree("It passed in 2023.", evidence(UNDATED, "It passed.", 1.0, inferred_year=2025))


def test_a_name_must_stand_in_the_passage_with_the_same_qualifiers():
    hayashi = ("Representing Japan, Foreign Minister Yoshimasa Hayashi told Thursday's session that Russia "
               "should withdraw from Ukraine.")
    nebenzia = "Speaking on Wednesday, Russia's ambassador to the United Nations, Vassily Nebenzia, called it malevolent."
    assert names_agree("Japanese Foreign Minister Yoshimasa Hayashi said Russia should withdraw.", hayashi)
    assert names_agree("Foreign Minister Yoshimasa Hayashi of Japan said Russia should withdraw.", hayashi)
    assert not names_agree("Russian Foreign Minister Yoshimasa Hayashi said Russia should withdraw.", hayashi)
    assert names_agree("Russia's UN ambassador Vassily Nebenzia called it malevolent.", nebenzia)
    assert not names_agree("China's ambassador to the United Nations, Vassily Nebenzia, called it malevolent.", nebenzia)
    assert not names_agree("The minister, Dmytro Kuleba, said Russia should withdraw.", hayashi)
    assert names_agree("Despite that, Russia should withdraw, Hayashi said.", hayashi)
    assert names_agree("Israel said Russia should withdraw.", hayashi), "an opening word is not known to be a name"
    assert not names_agree("Israel said Russia should withdraw.", hayashi, known_names={"Israel"})


def test_a_question_that_compares_outlets_gets_the_best_sentences_of_each_article():
    assert compares_sources("How many countries voted against, according to the different outlets?")
    assert compares_sources("Do the sources agree on the number of abstentions?")
    assert compares_sources("What did Dai Bing call for, and do AP and Kyodo report his remarks the same way?")
    assert not compares_sources("How many countries voted against, according to Kyodo?")
    other = DocumentInfo("c", "c.txt", None, "AP", "2023-02-23", None)
    third = DocumentInfo("d", "d.txt", None, "Fox", "2023-02-23", None)
    pool = [evidence(DATED, "Kyodo one.", 1.0), evidence(DATED, "Kyodo two.", 0.95), evidence(DATED, "Kyodo three.", 0.9),
            evidence(other, "AP one.", 0.8), evidence(third, "Fox one.", 0.5)]
    picked = [e.text for e in per_article(pool)]
    assert picked == ["Kyodo one.", "Kyodo two.", "AP one."]


def test_a_count_question_prefers_sentences_with_a_figure_on_the_side_it_asks_about(fake_embedder, settings):
    assert vote_sides("How many countries voted against the resolution?") == {"against"}
    assert vote_sides("How many abstained?") == {"abstain"}
    assert vote_sides("How many delegates spoke?") == set()
    index, _ = index_with_article(
        settings, fake_embedder, "vote.txt",
        "In the end 120 member states backed the Zentavian resolution.\n"
        "In the end 9 member states rejected the Zentavian resolution.\n",
    )
    question = "How many member states opposed the Zentavian resolution?"
    ranked = ranked_evidence(question, index, fake_embedder, settings, limit=2, source="vote.txt")
    assert ranked[0].text == "In the end 9 member states rejected the Zentavian resolution."


def test_a_question_about_anniversaries_asks_about_their_years(index):
    question = "How did support change between the first and third anniversaries of the invasion?"
    assert asked_years(question, index) == {2023, 2025}
    assert asked_years("What happened on the third anniversary of the invasion?", index) == {2025}
    assert asked_years("What happened in 2023?", index) == {2023}
    assert asked_years("How did the tally change from the first anniversary vote to the third anniversary vote?", index) == {2023, 2025}


def test_each_asked_year_gets_a_sentence_and_for_a_change_question_its_outcome(index, fake_embedder, settings):
    question = "How did support for Ukraine change between the first and third anniversaries of the invasion?"
    pool = ranked_evidence(question, index, fake_embedder, settings, limit=40)
    first = next(e for e in pool if event_year(e.text, e.doc, index) == 2023)
    later = [e for e in covering_asked_years(question, [first], pool, index) if event_year(e.text, e.doc, index) == 2025]
    assert len(later) == 2 and has_count(later[1].text)


def test_a_tally_has_figures_on_two_sides_of_a_vote():
    assert is_tally("The resolution passed 141-7, with 32 abstentions.")
    assert is_tally("It passed with 93 votes in favour, 18 no votes and 65 abstentions.")
    assert not is_tally("The vote was below the total of five previous resolutions approved by the 193-member body.")
    assert not is_tally("The war began on Feb. 24, 2022, 2022-2023.")


def test_vote_questions_get_a_tally_as_their_outcome(fake_embedder, settings):
    index, anchor = index_with_article(
        settings, fake_embedder, "vote.txt",
        "The assembly voted on the Zentavian resolution on Monday.\n"
        "More than 75 delegates spoke in two days of debate.\n"
        "The resolution passed 120-9, with 40 abstentions.\n",
    )
    picked = with_outcome("What was the result of the Zentavian vote?", [anchor], index)
    assert [e.text for e in picked][1] == "The resolution passed 120-9, with 40 abstentions."
    nearest = with_outcome("What happened at the Zentavian assembly?", [anchor], index)
    assert [e.text for e in nearest][1] == "More than 75 delegates spoke in two days of debate."


def test_a_question_naming_two_years_gets_evidence_from_each(index):
    dated = DocumentInfo("a", "a.txt", None, "Kyodo", "2023-02-23", None)
    later = DocumentInfo("c", "c.txt", None, "Reuters", "2025-02-24", None)
    first, second, third = (evidence(dated, "141 voted in favor.", 0.9), evidence(dated, "32 abstained.", 0.8),
                            evidence(later, "93 voted in favour.", 0.5))
    pool = [first, second, third]
    assert covering_asked_years("How many voted in favour in 2023 and in 2025?", [first, second], pool, index) == pool
    assert covering_asked_years("How many voted in favour in 2023?", [first, second], pool, index) == [first, second]
