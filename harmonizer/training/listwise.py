"""A chord scorer trained listwise: one softmax over each slot's candidate chords.

The binary candidates (``logistic``, ``mlp``, ``gbm`` in :mod:`.train`) learn, for
each (slot, chord) pair alone, the probability that the chord is the human's,
from a sample of the pairs.  The decoder then compares a slot's candidates with
one another.  This model is trained on exactly that comparison: a small MLP
gives every candidate a real-valued score, and the loss is the cross-entropy
of the softmax of the slot's scores against the human chord (a conditional
logit with a learned score, McFadden 1974; the "listwise" loss of learning to
rank).  Every slot is used whole, so nothing is sampled away.

The network is plain numpy (Adam, fixed seed).  The number of epochs is
found by early stopping on a share of the *training* songs held back for it
(so the validation songs only choose between candidates), and then the
network is trained again on every training song for that many epochs.  Once
trained it is handed to scikit-learn as a fitted ``StandardScaler`` + ``MLPRegressor`` pipeline, so
skl2onnx exports it like any other candidate; its card says ``"output":
"score"`` and the engine takes the softmax per slot (``ModelBundle.chord_fit``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..vocabulary import VOCABULARY

__all__ = ["ListwiseMLP"]


class ListwiseMLP:
    """One hidden ReLU layer, one score per candidate, softmax cross-entropy per slot.

    Rows come slot-major as :func:`.dataset.build_rows` writes them: every slot's
    ``candidates`` rows together, exactly one of them the human chord.
    """

    def __init__(self, hidden: int = 64, alpha: float = 1e-4, learning_rate: float = 1e-3,
                 batch_slots: int = 256, max_epochs: int = 60, patience: int = 4,
                 stopping_share: float = 0.1, seed: int = 0,
                 candidates: int = len(VOCABULARY)) -> None:
        self.hidden = hidden
        self.alpha = alpha
        self.learning_rate = learning_rate
        self.batch_slots = batch_slots
        self.max_epochs = max_epochs
        self.patience = patience
        self.stopping_share = stopping_share
        self.seed = seed
        self.candidates = candidates
        self.history: list[dict[str, float]] = []
        self.best_epoch = 0
        self.stopping_songs = 0
        self.pipeline: object | None = None

    def get_params(self) -> dict[str, object]:
        return {"hidden": self.hidden, "alpha": self.alpha, "learning_rate": self.learning_rate,
                "batch_slots": self.batch_slots, "max_epochs": self.max_epochs,
                "patience": self.patience, "stopping_share": self.stopping_share, "seed": self.seed,
                "loss": "softmax over a slot's candidates"}

    def _slots(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = self.candidates
        if len(y) % k:
            raise ValueError(f"{len(y)} rows are not whole slots of {k} candidates")
        truth = y.reshape(-1, k)
        if not (truth.sum(axis=1) == 1).all():
            raise ValueError("every slot needs exactly one human chord among its candidates")
        return x.reshape(-1, k, x.shape[1]), truth.argmax(axis=1)

    def fit(self, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None, *,
            groups: np.ndarray, log: Callable[[str], None] = lambda _line: None) -> ListwiseMLP:
        """Train on slot-major rows ``x`` with 0/1 targets ``y``.  ``sample_weight`` is per row
        (the slot's weight repeated, as ``class_balance_weights`` gives it); ``groups`` is each
        row's song.

        Two passes: first :attr:`stopping_share` of the songs (at least one, never split) are
        held back, and training stops when their log-likelihood has not improved for
        :attr:`patience` epochs; then the network is trained afresh, same seed, on every song
        for the best epoch count found (the usual refit, so no song is lost to stopping)."""
        k = self.candidates
        all_slots, all_truth = self._slots(x, y)
        song_of_slot = np.asarray(groups).reshape(-1, k)[:, 0]
        songs = np.unique(song_of_slot)
        if len(songs) < 2:
            raise ValueError("early stopping needs at least two songs to hold one back")
        chooser = np.random.default_rng(self.seed)
        held_songs = chooser.choice(songs, size=max(1, round(self.stopping_share * len(songs))),
                                    replace=False)
        held_mask = np.isin(song_of_slot, held_songs)
        self.stopping_songs = len(held_songs)
        weight = (np.ones(len(all_truth)) if sample_weight is None
                  else np.asarray(sample_weight, dtype=float).reshape(-1, k)[:, 0]).astype(np.float32)
        self.history = []
        self.best_epoch = 0
        scaler = self._scaler(all_slots[~held_mask])
        self._train(self._scaled(scaler, all_slots[~held_mask]), all_truth[~held_mask],
                    weight[~held_mask], self.max_epochs,
                    held=(self._scaled(scaler, all_slots[held_mask]), all_truth[held_mask]), log=log)
        if self.best_epoch == 0:
            raise ValueError("no epoch gave a finite log-likelihood on the held-back songs")
        log(f"listwise: best epoch {self.best_epoch}; training again on every song for that many")
        scaler = self._scaler(all_slots)
        params = self._train(self._scaled(scaler, all_slots), all_truth, weight, self.best_epoch)
        self.pipeline = self._as_sklearn(scaler, params, x[:2])
        return self

    @staticmethod
    def _scaler(slots: np.ndarray) -> object:
        from sklearn.preprocessing import StandardScaler

        return StandardScaler().fit(slots.reshape(-1, slots.shape[2]))

    @staticmethod
    def _scaled(scaler: object, slots: np.ndarray) -> np.ndarray:
        flat = scaler.transform(slots.reshape(-1, slots.shape[2]))  # type: ignore[attr-defined]
        return flat.astype(np.float32, copy=False).reshape(slots.shape)

    def _train(self, slots: np.ndarray, truth: np.ndarray, weight: np.ndarray, epochs: int, *,
               held: tuple[np.ndarray, np.ndarray] | None = None,
               log: Callable[[str], None] = lambda _line: None) -> list[np.ndarray]:
        """Adam on minibatches of slots for ``epochs`` epochs (fixed seed); the parameters of
        the last epoch.  With ``held`` songs, stop early and record each epoch in
        :attr:`history` and the best in :attr:`best_epoch` (only the count is used: :meth:`fit`
        trains again on every song)."""
        rng = np.random.default_rng(self.seed)
        width = slots.shape[2]
        params = [
            (rng.standard_normal((width, self.hidden)) * np.sqrt(2.0 / width)).astype(np.float32),
            np.zeros(self.hidden, np.float32),
            (rng.standard_normal((self.hidden, 1)) * np.sqrt(1.0 / self.hidden)).astype(np.float32),
            np.zeros(1, np.float32),
        ]
        first = [np.zeros_like(p) for p in params]
        second = [np.zeros_like(p) for p in params]
        step, best, waited, patience_mark = 0, -np.inf, 0, -np.inf
        for epoch in range(epochs):
            order = rng.permutation(len(truth))
            for start in range(0, len(order), self.batch_slots):
                batch = order[start:start + self.batch_slots]
                grads = self._gradients(params, slots[batch], truth[batch], weight[batch])
                step += 1
                for p, g, m, v in zip(params, grads, first, second):
                    m *= 0.9
                    m += 0.1 * g
                    v *= 0.999
                    v += 0.001 * g * g
                    p -= self.learning_rate * (m / (1 - 0.9 ** step)) \
                        / (np.sqrt(v / (1 - 0.999 ** step)) + 1e-8)
            if held is None:
                continue
            log_likelihood, accuracy = self._validation(params, *held)
            self.history.append({"epoch": epoch + 1, "stopping_log_likelihood": round(log_likelihood, 5),
                                 "stopping_model_only_accuracy": round(accuracy, 4)})
            log(f"listwise epoch {epoch + 1}: held-back log-likelihood {log_likelihood:.4f}, "
                f"accuracy {accuracy:.4f}")
            if log_likelihood > best:  # the best epoch counts, however small its lead
                best, self.best_epoch = log_likelihood, epoch + 1
            # ... but only a real improvement (1e-4) resets the patience
            if log_likelihood > patience_mark + 1e-4:
                patience_mark, waited = log_likelihood, 0
            else:
                waited += 1
                if waited >= self.patience:
                    break
        return params

    def _gradients(self, params: list[np.ndarray], x: np.ndarray, truth: np.ndarray,
                   weight: np.ndarray) -> list[np.ndarray]:
        w1, b1, w2, _b2 = params
        hidden = np.maximum(x @ w1 + b1, 0.0)
        scores = (hidden @ w2)[..., 0]
        p = np.exp(scores - scores.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(truth)), truth] -= 1.0  # d(cross-entropy)/d(score)
        p *= (weight / len(truth))[:, None]
        grad_w2 = np.einsum("skh,sk->h", hidden, p)[:, None] + self.alpha * w2
        grad_hidden = p[..., None] * w2[:, 0]
        grad_hidden[hidden <= 0] = 0.0
        grad_w1 = np.einsum("skd,skh->dh", x, grad_hidden) + self.alpha * w1
        # A shift common to every candidate leaves the softmax unchanged: b2 gets no gradient.
        return [grad_w1, grad_hidden.sum(axis=(0, 1)), grad_w2, np.zeros(1, np.float32)]

    @staticmethod
    def _validation(params: list[np.ndarray], x: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
        w1, b1, w2, b2 = params
        scores = (np.maximum(x @ w1 + b1, 0.0) @ w2 + b2)[..., 0]
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        rows = np.arange(len(truth))
        return float(log_p[rows, truth].mean()), float((scores.argmax(axis=1) == truth).mean())

    def _as_sklearn(self, scaler: object, params: list[np.ndarray], sample: np.ndarray) -> object:
        """The trained network as a fitted scikit-learn pipeline (for predict and skl2onnx)."""
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPRegressor
        from sklearn.pipeline import make_pipeline

        regressor = MLPRegressor(hidden_layer_sizes=(self.hidden,), activation="relu",
                                 alpha=self.alpha, random_state=self.seed, max_iter=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            # one step on two rows only builds the layers; every weight is replaced below
            regressor.partial_fit(scaler.transform(sample), np.zeros(len(sample)))  # type: ignore[attr-defined]
        regressor.coefs_ = [params[0].astype(np.float64), params[2].astype(np.float64)]
        regressor.intercepts_ = [params[1].astype(np.float64), params[3].astype(np.float64)]
        return make_pipeline(scaler, regressor)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Each row's score (higher: likelier the human chord among its slot's candidates)."""
        if self.pipeline is None:
            raise ValueError("fit the model first")
        return np.asarray(self.pipeline.predict(x), dtype=float)  # type: ignore[attr-defined]
