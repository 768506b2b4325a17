"""Reading a model's draft as it streams: complete sentences only, loops stopped, every shown
sentence verified and numbered as it will stand in the final answer."""

import re
from dataclasses import replace

from rag.evidence import Evidence
from rag.store import DocumentInfo
from rag.verify import DraftReader, Numbering, Verifier, normalise_markers, repeats_itself, verify_draft

DOC = DocumentInfo("d", "d.txt", "Title", "Wire", "2024-07-19", None)


def passage(text: str, start: int = 0) -> Evidence:
    return Evidence(DOC, start, start + len(text), text, 1.0, 1.0, 0.0, 1.0, 0)


def feed(pieces):
    reader = DraftReader()
    released = []
    for piece in pieces:
        released.append(reader.add(piece))
    released.append(reader.finish())
    return released


def test_a_sentence_is_released_only_after_its_markers_and_the_next_sentence_began():
    steps = feed(["The update ", "crashed 8.5 million devices.", " [", "2]", " Airlines", " grounded flights [1]."])
    assert steps[:3] == [[], [], []], "nothing while the sentence, or its marker, may still grow"
    assert steps[4] == ["The update crashed 8.5 million devices [2]."]
    assert steps[-1] == ["Airlines grounded flights [1]."]


def test_markers_after_a_full_stop_and_grouped_markers_stay_with_their_sentence():
    assert normalise_markers("It passed. [1] [2] Then") == "It passed [1] [2]. Then"
    assert normalise_markers("It passed [1, 3].") == "It passed [1] [3]."


def test_repeated_runs_are_loops_and_ordinary_repetition_is_not():
    assert repeats_itself("75 countries 75 countries 75 countries".split())
    assert repeats_itself("[1] 32 [2] 32 32 32".split())
    assert not repeats_itself("the team scored, and the team won, and the fans cheered".split())


def test_a_draft_that_loops_or_lists_numbers_is_stopped():
    reader = DraftReader()
    reader.add("75 countries 75 countries 75 countries ")
    assert "repeating" in reader.looping()
    reader = DraftReader()
    reader.add("[1] [2] [3] [4]")
    assert "passage numbers" in reader.looping()
    reader = DraftReader()
    reader.add("Spain beat England 2-1 in the final in Berlin [1].")
    assert reader.looping() is None


def test_a_looping_sentence_is_never_kept_and_no_sentence_is_kept_twice(fake_embedder):
    passages = [passage("The United Nations said 75 countries spoke in the debate.")]
    kept, notes = verify_draft("75 countries 75 countries 75 countries 75 countries [1].", passages, fake_embedder)
    assert kept == [] and any("repeats itself" in n for n in notes)
    twice = "The UN said 75 countries spoke [1]. The UN said 75 countries spoke [1]."
    kept, notes = verify_draft(twice, passages, fake_embedder)
    assert len(kept) == 1 and any("repeated" in n for n in notes)


def test_unsupported_sentences_and_the_sentinel_are_removed_across_subjects(fake_embedder):
    outage = [passage("Microsoft said the faulty update affected 8.5 million Windows devices.")]
    kept, notes = verify_draft("The update affected 8.5 million Windows devices [1]. It cost 900 million dollars [1].", outage, fake_embedder)
    assert [body for body, _ in kept] == ["The update affected 8.5 million Windows devices."]
    football = [passage("Spain beat England 2-1 in the Euro 2024 final in Berlin.")]
    verifier = Verifier(football, fake_embedder, ignore=("NOT IN ARTICLES",))
    assert verifier.check("NOT IN ARTICLES") is None
    assert verifier.check("2-1 2-1 [1].") is None and verifier.check("Spain 2-1 [1].") is None
    assert verifier.check("Spain beat England [1].") == ("Spain beat England.", [1])
    assert verifier.check("Spain beat England 2-1 in Berlin [1].") == ("Spain beat England 2-1 in Berlin.", [1])


def test_numbering_follows_first_use_so_streamed_numbers_never_change():
    numbering = Numbering()
    assert numbering.render("First claim.", [4]) == "First claim [1]."
    assert numbering.render("Second claim.", [2, 4]) == "Second claim [2] [1]."
    assert numbering.order == [4, 2]
    assert re.findall(r"\[(\d)\]", numbering.render("Third", [2])) == ["2"]


def test_a_one_name_answer_is_kept_only_when_the_question_asks_for_a_name_the_passage_holds(fake_embedder):
    football = [passage("Rodri was named player of the tournament after Spain's 2-1 win.")]
    kept, _ = verify_draft("Rodri [1].", football, fake_embedder, question="Who was named player of the tournament?")
    assert kept == [("Rodri.", [1])]
    kept, notes = verify_draft("Rodri [1].", football, fake_embedder, question="How many goals did Spain score?")
    assert kept == [] and any("fragment" in n for n in notes)
    kept, _ = verify_draft("Kane [1].", football, fake_embedder, question="Who was named player of the tournament?")
    assert kept == []
    outage = [passage("Delta canceled about 690 flights on Monday, the airline said.")]
    kept, _ = verify_draft("690 [1].", outage, fake_embedder, question="Which airline canceled 690 flights?")
    assert kept == []


def test_an_outlet_named_as_the_answer_survives_label_removal(fake_embedder):
    wire = [Evidence(replace(DOC, outlet="Reuters"), 0, 40, "Spain enjoyed 63% possession in the final.", 1.0, 1.0, 0.0, 1.0, 0)]
    kept, _ = verify_draft("Reuters [1].", wire, fake_embedder, question="Which outlet reported 63% possession?", labels={"Reuters"})
    assert kept == [("Reuters.", [1])]
