"""Splits are disjoint by speaker (and by Kathleen prompt), held-out voices read held-out text, on the full job list."""
from collections import defaultdict

import pytest

from training.data import splits
from training.data.sentences import is_clean, sentence_pools, split_sentences
from training.data.sources import (HELDOUT_SENTENCES, HELDOUT_SPEAKERS, TRAIN, kathleen_jobs, librispeech_jobs,
                                   speechocean_jobs, synthetic_jobs)
from training.data.speakers import synthetic_speakers

DATA = splits.SHARED_DATA


@pytest.fixture(scope="module")
def pools():
    return sentence_pools()


@pytest.fixture(scope="module")
def jobs(pools):
    train_text, heldout_text = pools
    return (speechocean_jobs(DATA) + kathleen_jobs(DATA) + librispeech_jobs(DATA)
            + synthetic_jobs(train_text, heldout_text, hours=2.0))


def test_no_speaker_is_in_train_and_held_out(jobs):
    splits_of = defaultdict(set)
    for j in jobs:
        if j["speaker"] != "kathleen":  # Kathleen is split by sentence, by design
            splits_of[j["speaker"]].add(j["split"])
    mixed = [s for s, where in splits_of.items() if len(where) > 1]
    assert mixed == []


def test_speechocean_holds_out_ten_women_and_ten_men(jobs):
    genders = splits.so762_speakers(DATA)
    held = {j["speaker"][len("so762-"):] for j in jobs if j["source"] == "speechocean762" and j["split"] == HELDOUT_SPEAKERS}
    assert len(held) == 20 and sorted(genders[s] for s in held) == ["f"] * 10 + ["m"] * 10


def test_kathleen_takes_of_one_prompt_share_a_split(jobs):
    split_of_prompt = defaultdict(set)
    for j in jobs:
        if j["source"] == "kathleen":
            split_of_prompt[splits.kathleen_prompt(j["id"][len("kathleen-"):])].add(j["split"])
    assert all(len(s) == 1 for s in split_of_prompt.values())
    held = sum(s == {HELDOUT_SENTENCES} for s in split_of_prompt.values())
    assert 0.03 < held / len(split_of_prompt) < 0.08


def test_heldout_synthetic_families_never_train(jobs):
    families = {j["family"]: j["split"] for j in jobs if j["source"].startswith("synth-")}
    assert {f for f, s in families.items() if s == HELDOUT_SPEAKERS} == set(splits.SYNTHETIC_HELDOUT_FAMILIES)
    assert all(s == TRAIN for f, s in families.items() if f not in splits.SYNTHETIC_HELDOUT_FAMILIES)


def test_heldout_voices_read_only_heldout_sentences(jobs, pools):
    train_text = set(pools[0])
    for j in jobs:
        if j["source"].startswith("synth-"):
            assert (j["text"] in train_text) == (j["split"] == TRAIN), j["id"]


def test_at_least_200_synthetic_speakers_with_unique_ids():
    speakers = synthetic_speakers()
    assert len({s.id for s in speakers}) == len(speakers) >= 200
    assert sum(not s.heldout for s in speakers) >= 200


def test_more_hours_only_appends_utterances(pools):
    small = {j["id"] for j in synthetic_jobs(*pools, hours=0.5)}
    large = {j["id"] for j in synthetic_jobs(*pools, hours=1.0)}
    assert small < large


def test_dropping_sentences_moves_few_utterances(pools):
    # A stricter sentence filter must not re-synthesize the whole corpus.
    train_text, heldout_text = pools
    before = {j["id"] for j in synthetic_jobs(train_text, heldout_text, hours=2.0)}
    after = {j["id"] for j in synthetic_jobs(train_text[100:], heldout_text, hours=2.0)}
    assert len(before & after) > 0.95 * len(before)


@pytest.mark.parametrize("sentence, clean", [
    ("The cellar stretched out in front of the house.", True),
    ("He paid 4 dollars for it.", False),            # digits are read differently by engines
    ("CHAPTER TWO of the book begins.", False),       # all-caps heading
    ("Too short.", False),
    ("see the figure below for details.", False),     # fragment of a hard-wrapped line
    (" ".join(["word"] * 31) + ".", False),
    ("The costs (as noted) were high indeed.", False),
    ("J. Winsor, The Mississippi Valley and Cartier.", False),  # initial: likely a bad cut
    ("Edward Stanwood, A History of the Presidency, Vol.", False),  # bibliography
    ("Please read this Project Gutenberg licence carefully.", False),
])
def test_sentence_filter(sentence, clean):
    assert is_clean(sentence) is clean


def test_run_in_heading_becomes_its_own_sentence():
    assert split_sentences("Treatment.--Limited areas should be excised.") == [
        "Treatment.", "Limited areas should be excised."]


def test_sentence_split_keeps_titles_together():
    parts = split_sentences('"Really, Mr. Holmes," said he. "I do not know."')
    assert parts == ["Really, Mr. Holmes, said he.", "I do not know."]
