"""Moodle's CSV dataset format: what is read, what is written, what is refused."""

from __future__ import annotations

import numpy as np
import pytest

from mlbackend.engine.dataset import dataset_build, dataset_from_csv, dataset_to_csv
from mlbackend.engine.results import DatasetError
from tests.mlbackend.datasets import MOODLE_LABELLED, MOODLE_UNLABELLED, separable


def test_reads_moodles_labelled_file():
    dataset = dataset_from_csv(MOODLE_LABELLED, labelled=True)
    assert dataset.features.shape == (3, 3)
    assert dataset.labels.tolist() == [0, 1, 1]
    assert dataset.target_classes == [0, 1]
    assert (
        dataset.columns[0] == "\\core\\analytics\\indicator\\any_write_action_in_course"
    )
    assert dataset.features[1].tolist() == [-0.4899, -0.0091, 0.5]
    assert dataset.metadata["moodleversion"] == "2022041900"


def test_reads_moodles_unlabelled_file_with_sample_ids():
    dataset = dataset_from_csv(MOODLE_UNLABELLED, labelled=False)
    assert dataset.sample_ids == ["1000-0", "1001-0"]
    assert dataset.labels is None
    assert dataset.features[1].tolist() == [-0.8168, -0.2779, -0.5]


def test_empty_cells_are_read_as_zero():
    text = MOODLE_LABELLED.replace(b"-0.0555,-0.2408", b"-0.0555,")
    dataset = dataset_from_csv(text, labelled=True)
    assert dataset.features[2].tolist() == [-0.0555, 0.0, -0.5]


def test_a_single_row_is_a_matrix():
    text = b"\n".join(MOODLE_LABELLED.splitlines()[:4]) + b"\n"
    dataset = dataset_from_csv(text, labelled=True)
    assert dataset.features.shape == (1, 3)


def test_round_trip_keeps_every_float_and_quotes_like_php():
    original = separable(50)
    original.columns = ["\\core\\a", "b c", 'd"e']
    text = dataset_to_csv(original)
    header = text.decode().splitlines()[2]
    assert header == '"\\core\\a","b c","d""e",target'
    again = dataset_from_csv(text, labelled=True)
    assert np.array_equal(again.features, original.features)
    assert np.array_equal(again.labels, original.labels)
    assert again.columns == original.columns


def test_unlabelled_round_trip_keeps_sample_ids():
    original = dataset_build(
        features=np.array([[0.5, -1.0], [0.25, 1.0]]),
        target_classes=[0, 1, 2],
        sample_ids=["7-1", "8-1"],
    )
    again = dataset_from_csv(dataset_to_csv(original), labelled=False)
    assert again.sample_ids == ["7-1", "8-1"]
    assert again.target_classes == [0, 1, 2]
    assert np.array_equal(again.features, original.features)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b'nfeatures,targetclasses\n3,"[0,1]"\n', "three header lines"),
        (
            MOODLE_LABELLED.replace(b"targetclasses\n", b"classes\n", 1),
            "targetclasses",
        ),
        (MOODLE_LABELLED.replace(b",3,2022", b",4,2022"), "nfeatures = 4"),
        (MOODLE_LABELLED.replace(b"0.5,1\n", b"0.5,1,7\n"), "Line 5 has 5 columns"),
        (MOODLE_LABELLED.replace(b"0.5,1\n", b"1\n"), "Line 5 has 3 columns"),
        (MOODLE_LABELLED.replace(b"0.6949", b"lots"), "'lots' is not a number"),
        (MOODLE_LABELLED.replace(b"0.5,1\n", b"0.5,3\n"), "[3] are not among"),
        (MOODLE_LABELLED.replace(b'"[0,1]"', b'"[1]"'), "at least two classes"),
        (MOODLE_LABELLED.replace(b"0.6949", b"nan"), "not finite"),
        (b"\n".join(MOODLE_LABELLED.splitlines()[:3]) + b"\n", "no samples"),
        (b"\xff\xfe\x00", "UTF-8"),
    ],
)
def test_bad_files_are_refused_with_the_reason(text, message):
    with pytest.raises(DatasetError) as caught:
        dataset_from_csv(text, labelled=True)
    assert message in caught.value.message


def test_a_prediction_file_needs_the_sampleid_column():
    with pytest.raises(DatasetError, match="sampleid"):
        dataset_from_csv(MOODLE_LABELLED, labelled=False)


def test_quoted_sample_ids_are_unquoted():
    original = dataset_build(
        features=np.array([[0.5], [0.25]]),
        target_classes=[0, 1],
        sample_ids=["a b-0", 'q"1-0'],
    )
    again = dataset_from_csv(dataset_to_csv(original), labelled=False)
    assert again.sample_ids == ["a b-0", 'q"1-0']
