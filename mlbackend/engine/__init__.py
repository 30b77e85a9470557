"""The learning engine shared by the `builtin` processor and the ML backend server.

Pure Python on numpy and scikit-learn: no Django models, no other app of the project,
so the server stays a separate service (ARCHITECTURE.md) and the site's worker runs the
very same code in process.

- `dataset`: Moodle's CSV dataset format, read and written (three header lines).
- `estimators`: the estimators on offer (logistic regression, gradient boosting, MLP).
- `trained`: a trained model that learns incrementally and predicts.
- `evaluation`: Moodle's evaluation (rounds of 80/20 splits, weighted F1) and its graphs.
- `bundle`: the safe on-disk format (skops with an explicit trusted-types list, npz
  without pickles) and its zip form for export/import.
- `storage`: atomic folders on a local or shared filesystem.
"""
