"""`manage.py predict_models`: predict with every enabled trained model, or one."""

from __future__ import annotations

from models_app.management.commands.train_models import Command as TrainCommand
from models_app.services.running import model_predict, models_to_predict


class Command(TrainCommand):
    help = (
        "Get predictions from analytics models: every enabled and trained model, "
        "or the one given with --modelid; insights go to the people concerned. "
        "Exits non-zero when a model could not predict."
    )
    action = "predict"

    def run_one(self, *, model, now):
        return model_predict(model=model, now=now)

    def models(self):
        return models_to_predict()
