"""Services of models_app, one module per subject (training, prediction, clearing, ...)."""
