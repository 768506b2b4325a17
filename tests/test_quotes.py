import pytest

from rag.build import build_index
from rag.errors import InputError
from rag.quotes import attribute, best_window, check_quote, same_person, tokenize, word_differences
from rag.store import open_index


@pytest.fixture
def index(settings, fake_embedder):
    build_index(settings, fake_embedder)
    return open_index(settings)


def test_tokens_ignore_case_quote_marks_and_dashes_and_keep_offsets():
    text = "“Russia has NOT sent — any ‘positive’ signal,” he said."
    tokens = tokenize(text)
    assert [t.word for t in tokens][:4] == ["russia", "has", "not", "sent"]
    assert all(text[t.start : t.end].lower().replace("’", "'") == t.word for t in tokens)


def test_best_window_and_word_differences():
    article = tokenize("Unhappily he said Russia has not sent any positive signal of any minimum willingness")
    quote = [t.word for t in tokenize("Russia has sent a positive signal")]
    similarity, first, last = best_window(quote, tuple(article))
    found = [t.word for t in article[first:last]]
    assert 0.75 <= similarity < 1 and found[0] == "russia" and "signal" in found
    assert "has sent -> has not sent" in word_differences(quote, found)


def test_the_real_wording_runs_to_the_quotes_last_word():
    article = tokenize("and it will only continue to be consolidated and to be solidified, Kuleba said")
    quote = [t.word for t in tokenize("it will only continue to be strengthened and solidified")]
    similarity, first, last = best_window(quote, tuple(article))
    found = [t.word for t in article[first:last]]
    assert found[0] == "it" and found[-1] == "solidified" and similarity < 1
    assert "and solidified -> and to be solidified" in word_differences(quote, found)


def test_a_changed_last_word_is_shown_against_the_articles_word():
    article = tokenize("I am more than frustrated and disappointed. I am angry, Minicucci said on Tuesday")
    quote = [t.word for t in tokenize("I am more than frustrated and disappointed. I am furious")]
    similarity, first, last = best_window(quote, tuple(article))
    found = [t.word for t in article[first:last]]
    assert found[-1] == "angry" and 0.75 <= similarity < 1
    assert word_differences(quote, found) == ["furious -> angry"]


def test_verified_with_speaker_and_name_variants(index, settings):
    result = check_quote("not only our compassion, but also our support and solidarity", index, settings, speaker="Rau")
    assert result.verdict == "verified"
    match = result.matches[0]
    assert match.speaker == "Zbigniew Rau" and match.source.startswith("000_")
    assert (settings.corpus_dir / match.source).read_text(encoding="utf-8")[match.start : match.end] == match.text


def test_misattributed_through_second_hand_chain(index, settings):
    result = check_quote("If resolutions had no impact Russia would not be fiercely fighting against them.", index, settings, speaker="Mariana Betsa")
    assert result.verdict == "misattributed"
    assert result.matches[0].speaker == "Dmytro Kuleba"
    assert result.matches[0].reported_by == "Al Jazeera"


def test_as_quoted_by_chain():
    text = 'Intro line.\n"This vote defies the argument," Kuleba said, as quoted by Fox News. "More words."\n'
    start = text.index("This vote")
    assert attribute(text, start, start + 9) == ("Kuleba", "Fox News")


def test_pronoun_resolves_to_last_named_person(index, settings):
    result = check_quote("Russia has not sent any positive signal of any minimum willingness to work for a peace", index, settings, speaker="Josep Borrell")
    assert result.verdict == "verified"
    assert result.matches[0].speaker == "Josep Borrell"


def test_she_resolves_past_titles_to_the_full_name():
    text = ("Germany’s Foreign Minister Annalena Baerbock asked countries why.\n\n"
            "“The West didn’t want the war,” she told the assembly. “If Russia stops fighting, this war ends.”\n")
    start = text.index("If Russia")
    assert attribute(text, start, start + 20)[0] == "Annalena Baerbock"


def test_a_title_before_a_surname_is_not_taken_for_a_first_name():
    text = ("Vice President Pence spoke on ABC later on Thursday.\n\n"
            "“We are seeing hopeful signs,” Pence said.\n")
    start = text.index("We are")
    assert attribute(text, start, start + 20)[0] == "Pence"
    coach = "Head coach Luis de la Fuente spoke after the final. Coach Fuente was proud.\n“We earned it,” Fuente said.\n"
    start = coach.index("We earned")
    assert attribute(coach, start, start + 14)[0] != "Coach Fuente"


def test_she_said_after_a_person_named_by_role_is_that_role_not_the_last_name():
    text = ('Passenger Evan Smith said: "There was a really loud bang."\n'
            "In an audio clip, the pilot can be heard talking to air traffic control.\n"
            '"We are an emergency," she said.\n')
    start = text.index("We are")
    assert attribute(text, start, start + 19)[0] == "the pilot"
    named = text.replace("the pilot can be heard talking", "Evan Smith can be heard talking")
    start = named.index("We are")
    assert attribute(named, start, start + 19)[0] == "Evan Smith"


def test_who_was_spoken_to_and_words_inside_a_quote_attribute_nothing():
    told = "AJ Singh, one of the drivers who had worked for much of the night, told Channel 4 News: “We stick together.”\n"
    start = told.index("We stick")
    assert attribute(told, start, start + 16)[0] == "AJ Singh"
    nested = ("The imam Abdullah Norris told CNN he argued with Salman Abedi in January. "
              "\"Anyway he said I shouldn't shout at him, I said, 'I shout at you because you behaved like a child,\" Norris said.\n")
    start = nested.index("I shout at you")
    assert attribute(nested, start, start + 14)[0] in ("Norris", "Abdullah Norris")
    long_title = ("“The army is key,” Laura Dib, the director of the Venezuela program at the Washington Office on "
                  "Latin America (WOLA), told CNN.\n")
    assert attribute(long_title, 1, 17)[0] == "Laura Dib"
    inverted = "“The weather is bad,” said Veena George, the state health minister.\n"
    assert attribute(inverted, 1, 19)[0] == "Veena George"


def test_a_name_inside_the_quoted_words_is_not_who_he_or_she_is():
    hero = ("Foreign Secretary Jeremy Hunt welcomed the arrest on Thursday.\n"
            "\"Julian Assange is no hero,\" he said. The operation followed years of diplomacy.\n")
    start = hero.index("Julian Assange is")
    assert attribute(hero, start, start + 25)[0] == "Jeremy Hunt"
    coach = ("Coach Marta Silva spoke after the defeat on Sunday.\n"
             "\"Tom Baker played well, but it was not enough,\" she said.\n")
    start = coach.index("Tom Baker played")
    assert attribute(coach, start, start + 20)[0] == "Marta Silva"


def test_a_quotation_opened_with_a_curly_mark_and_closed_with_a_straight_one_is_still_a_quotation():
    tweeted = "“The minister is no hero and no one is above the law. He hid for years,\" Hunt tweeted. \"Thank you Ecuador.”\n"
    start = tweeted.index("The minister")
    assert attribute(tweeted, start, start + 20)[0] == "Hunt"
    said = "“Our players gave everything tonight,\" Silva said after the match.\n"
    assert attribute(said, 1, 20)[0] == "Silva"


def test_asked_after_a_quotation_names_its_speaker_and_a_bare_surname_is_the_first_person_named_with_it():
    rally = 'Cameron Kasky spoke first.\n"When politicians say now is not the time, I ask them: When is?" asked David Hogg.\n'
    start = rally.index("When politicians")
    assert attribute(rally, start, start + 20)[0] == "David Hogg"
    court = "Ana Ruiz spoke to reporters.\n“Is this justice?” replied Tom Baker, the father.\n"
    start = court.index("Is this")
    assert attribute(court, start, start + 15)[0] == "Tom Baker"
    visit = ("President Donald Trump and first lady Melania Trump visited the hospital.\n"
             '"What a great job you\'ve done," Trump said.\nHe added: "The job you have done is unparalleled."\n')
    start = visit.index("The job")
    assert attribute(visit, start, start + 20)[0] == "Donald Trump"
    start = visit.index("What a great")
    assert attribute(visit, start, start + 20)[0] == "Donald Trump"
    match = 'Coach Marta Silva praised the team.\nHer sister, Ana Silva, scored twice.\nShe said: "We never gave up."\n'
    start = match.index("We never")
    assert attribute(match, start, start + 15)[0] == "Ana Silva", "'she' is the person named last"


def test_a_name_leading_into_a_quote_with_a_colon_or_comma_is_its_speaker_whatever_the_verb():
    agreed = ('It would not be called a "suicide" either, Robin said. Spohr agreed: "If a person kills himself '
              'and others, another word should be used," he said.\n')
    start = agreed.index("If a person")
    assert attribute(agreed, start, start + 20)[0] == "Spohr"
    replied = ("The coach was asked about the defeat, Ortiz recalled. Marta Silva replied: “We were not good enough "
               "today, and we know it.”\n")
    start = replied.index("We were")
    assert attribute(replied, start, start + 20)[0] == "Marta Silva"
    predicted = ("“Impossible,” said the strategist Ann Lee.\nHer longtime ally Tom Reyes predicted, “The base would go "
                 "insane and he knows it.”\n")
    start = predicted.index("The base")
    assert attribute(predicted, start, start + 20)[0] == "Tom Reyes"


def test_words_that_start_a_sentence_are_no_speakers():
    text = "Boeing staff wrote critical messages.\nOne said the plane was 'designed by clowns.'\n"
    start = text.index("designed")
    assert attribute(text, start, start + 19)[0] is None


def test_a_name_set_off_by_commas_before_the_verb_is_the_speaker(index, settings):
    result = check_quote("anti-Russian and malevolent by nature", index, settings, speaker="Dai Bing")
    assert result.verdict == "misattributed" and result.matches[0].speaker == "Vassily Nebenzia"
    text = "Kuleba, the foreign minister, said the vote was “a clear signal to Moscow.”\n"
    start = text.index("a clear")
    assert attribute(text, start, start + 14)[0] == "Kuleba"


def test_quote_after_a_colon_paragraph_is_attributed_to_its_speaker(index, settings):
    result = check_quote("The international community should make joint efforts to facilitate peace talks", index, settings)
    assert result.matches[0].speaker == "Dai Bing"


def test_altered_shows_real_wording(index, settings):
    result = check_quote("This resolution is a powerful signal of growing global support for Ukraine", index, settings, speaker="Zelenskyy")
    assert result.verdict == "altered"
    assert "growing -> unflagging" in result.matches[0].differences
    assert result.matches[0].speaker == "Volodymyr Zelensky"


def test_not_found_and_wording_variants_across_outlets(index, settings):
    assert check_quote("The General Assembly has failed Ukraine", index, settings).verdict == "not_found"
    result = check_quote("comprehensive, just and lasting peace", index, settings)
    assert result.verdict == "verified"
    assert {m.source[:3] for m in result.matches} >= {"001", "003"}


def test_same_person_across_spellings():
    assert same_person("Zelensky", "Volodymyr Zelenskyy")
    assert same_person("President Volodymyr Zelensky", "Zelenskyy")
    assert not same_person("Mariana Betsa", "Dmytro Kuleba")


def test_empty_quote_is_refused(index, settings):
    with pytest.raises(InputError):
        check_quote(" “ ” ", index, settings)


def test_he_said_skips_a_capitalised_thing_for_the_surname_standing_alone():
    text = ("England manager Gareth Southgate spoke after the match.\n\n"
            "Southgate, hoping for a first trophy since the 1966 World Cup win, did not comment on his future.\n\n"
            "“It will take a while to pick the bones out of it,” he said.\n")
    start = text.index("It will")
    assert attribute(text, start, start + 20)[0] == "Gareth Southgate"


# A name never runs across a line or a sentence end; a place after a person's name is not the
# speaker; surnames after an Arabic article are names; a title-case headline names no one.
@pytest.mark.parametrize("text, speaker", [
    ("Gov. Narongsak Osottanakorn said the rescue would pause. He did not give the state of the four members of the Wild Boars.\n\n"
     "Narongsak was upbeat.\n\n“We get to see the faces of the boys,” he said.\n", "Narongsak Osottanakorn"),
    ("Coach Maria Santos praised her side after the final.\n\nFANS FLOOD THE CITY CENTRE\n\n"
     "Santos was calm.\n\n“We played our own game,” she said.\n", "Maria Santos"),
    ("Sen. Chris Murphy (D) of Connecticut said cutting off arms sales was a step. “We cannot be in a military partnership "
     "with a country that has this little concern for human life,” he said.\n", "Chris Murphy"),
    ("Mayor Anne Hidalgo of Paris told reporters the games would go ahead. “The city is ready for the games and for the "
     "millions of visitors who will come to see them this summer,” she said.\n", "Anne Hidalgo"),
    ("The revelation comes a day after Foreign Minister Adel al-Jubeir insisted that the prince played no role.\n\n"
     "TREASURY SLAPS SANCTIONS ON OFFICIALS\n\n\"Absolutely, the prince has nothing to do with this,\" he told reporters.\n", "Adel al-Jubeir"),
    ("UN Approves Resolution Calling for Troops To Leave the Region\n\nEnvoy Sara el-Masri told the assembly the vote mattered.\n\n"
     "“The region needs calm,” she said.\n", "Sara el-Masri"),
])
def test_who_he_or_she_is_in_copy_as_pages_print_it(text, speaker):
    start = text.index("Absolutely") if "Absolutely" in text else text.index("“") + 1
    assert attribute(text, start, start + 10)[0] == speaker
