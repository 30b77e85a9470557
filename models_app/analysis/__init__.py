"""The analysis engine: from the site's data and log to datasets for the processors.

- `data`: samples, (sample, range) rows and the per-chunk facts indicators and
  targets read (each loaded once per chunk by one query, whatever the sample count).
- `analysables`: what a target analyses (courses, the site, users) and in which
  order (least recently analysed first).
- `samples`: the samples of a chunk of analysables (student enrolments, courses,
  users).
- `dataset`: the Dataset object and its building for training, prediction and
  evaluation.
- `csvfile`: Moodle's dataset CSV format (shared/reference/moodle-mlbackend-protocol.md §4).
- `bookkeeping`: analysed analysables, samples used for training, predicted ranges.
- `calculations`: the indicator calculation cache.
"""
