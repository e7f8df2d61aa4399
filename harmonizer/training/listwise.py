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
network is trained again on every training song for that many epochs.

With ``members`` > 1 that is done once per seed (``seed``, ``seed + 1``, ...; each
member holds back its own songs for stopping) and the members' scores are
averaged.  One network's validation agreement moved by 1 to 3 points from seed
to seed; the average of five was steadier and better (``scripts/listwise_seeds.py``).
An average of one-hidden-layer networks on the same inputs *is* one
network whose hidden layer is the members' side by side, with the output
weights divided by their number, so the ensemble is exported as that
single wider network and the engine runs it like any other.

Once trained it is handed to scikit-learn as a fitted ``StandardScaler`` +
``MLPRegressor`` pipeline, so skl2onnx exports it like any other candidate;
its card says ``"output": "score"`` and the engine takes the softmax per slot
(``ModelBundle.chord_fit``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..vocabulary import VOCABULARY

__all__ = ["ListwiseMLP", "merge_networks"]


class ListwiseMLP:
    """One hidden ReLU layer, one score per candidate, softmax cross-entropy per slot.

    Rows come slot-major as :func:`.dataset.build_rows` writes them: every slot's
    ``candidates`` rows together, exactly one of them the human chord.
    """

    def __init__(self, hidden: int = 64, alpha: float = 1e-4, learning_rate: float = 1e-3,
                 batch_slots: int = 256, max_epochs: int = 60, patience: int = 4,
                 stopping_share: float = 0.1, seed: int = 0, members: int = 1,
                 candidates: int = len(VOCABULARY)) -> None:
        if members < 1:
            raise ValueError(f"an ensemble needs at least one member, not {members}")
        self.hidden = hidden
        self.alpha = alpha
        self.learning_rate = learning_rate
        self.batch_slots = batch_slots
        self.max_epochs = max_epochs
        self.patience = patience
        self.stopping_share = stopping_share
        self.seed = seed
        self.members = members
        self.candidates = candidates
        #: Per member: its seed, the songs it held back, its epochs' numbers and its best epoch.
        self.trained: list[dict[str, object]] = []
        self.pipeline: object | None = None

    def get_params(self) -> dict[str, object]:
        return {"hidden": self.hidden, "alpha": self.alpha, "learning_rate": self.learning_rate,
                "batch_slots": self.batch_slots, "max_epochs": self.max_epochs,
                "patience": self.patience, "stopping_share": self.stopping_share, "seed": self.seed,
                "members": self.members, "loss": "softmax over a slot's candidates"
                + (", members' scores averaged" if self.members > 1 else "")}

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

        Per member, two passes: first :attr:`stopping_share` of the songs (at least one, never
        split; chosen with the member's seed) are held back, and training stops when their
        log-likelihood has not improved for :attr:`patience` epochs; then the network is trained
        afresh, same seed, on every song for the best epoch count found (the usual refit, so no
        song is lost to stopping).  The members' networks are then merged into one."""
        k = self.candidates
        all_slots, all_truth = self._slots(x, y)
        song_of_slot = np.asarray(groups).reshape(-1, k)[:, 0]
        songs = np.unique(song_of_slot)
        if len(songs) < 2:
            raise ValueError("early stopping needs at least two songs to hold one back")
        weight = (np.ones(len(all_truth)) if sample_weight is None
                  else np.asarray(sample_weight, dtype=float).reshape(-1, k)[:, 0]).astype(np.float32)
        scaler = self._scaler(all_slots)
        scaled = self._scaled(scaler, all_slots)
        self.trained = []
        networks = []
        for member in range(self.members):
            seed = self.seed + member
            chooser = np.random.default_rng(seed)
            held_songs = chooser.choice(songs, size=max(1, round(self.stopping_share * len(songs))),
                                        replace=False)
            held_mask = np.isin(song_of_slot, held_songs)
            held_scaler = self._scaler(all_slots[~held_mask])
            history: list[dict[str, float]] = []
            best_epoch = self._train(
                self._scaled(held_scaler, all_slots[~held_mask]), all_truth[~held_mask],
                weight[~held_mask], self.max_epochs, seed,
                held=(self._scaled(held_scaler, all_slots[held_mask]), all_truth[held_mask]),
                history=history, log=log)[1]
            if best_epoch == 0:
                raise ValueError("no epoch gave a finite log-likelihood on the held-back songs")
            log(f"listwise member {member + 1}/{self.members} (seed {seed}): best epoch {best_epoch}; "
                "training again on every song for that many")
            networks.append(self._train(scaled, all_truth, weight, best_epoch, seed)[0])
            self.trained.append({"seed": seed, "stopping_songs": len(held_songs),
                                 "best_epoch": best_epoch, "epochs": history})
        self.pipeline = self._as_sklearn(scaler, merge_networks(networks), x[:2])
        return self

    @staticmethod
    def _scaler(slots: np.ndarray) -> object:
        from sklearn.preprocessing import StandardScaler

        return StandardScaler().fit(slots.reshape(-1, slots.shape[2]))

    @staticmethod
    def _scaled(scaler: object, slots: np.ndarray) -> np.ndarray:
        flat = scaler.transform(slots.reshape(-1, slots.shape[2]))  # type: ignore[attr-defined]
        return flat.astype(np.float32, copy=False).reshape(slots.shape)

    def _train(self, slots: np.ndarray, truth: np.ndarray, weight: np.ndarray, epochs: int, seed: int, *,
               held: tuple[np.ndarray, np.ndarray] | None = None,
               history: list[dict[str, float]] | None = None,
               log: Callable[[str], None] = lambda _line: None) -> tuple[list[np.ndarray], int]:
        """Adam on minibatches of slots for ``epochs`` epochs (fixed ``seed``); the parameters
        of the last epoch, and the best epoch.  With ``held`` songs, stop early, append each
        epoch's numbers to ``history`` and return the best epoch (only the count is used:
        :meth:`fit` trains again on every song); without, the best epoch is 0."""
        rng = np.random.default_rng(seed)
        width = slots.shape[2]
        params = [
            (rng.standard_normal((width, self.hidden)) * np.sqrt(2.0 / width)).astype(np.float32),
            np.zeros(self.hidden, np.float32),
            (rng.standard_normal((self.hidden, 1)) * np.sqrt(1.0 / self.hidden)).astype(np.float32),
            np.zeros(1, np.float32),
        ]
        first = [np.zeros_like(p) for p in params]
        second = [np.zeros_like(p) for p in params]
        step, best, best_epoch, waited, patience_mark = 0, -np.inf, 0, 0, -np.inf
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
            if history is not None:
                history.append({"epoch": epoch + 1, "stopping_log_likelihood": round(log_likelihood, 5),
                                "stopping_model_only_accuracy": round(accuracy, 4)})
            log(f"listwise epoch {epoch + 1}: held-back log-likelihood {log_likelihood:.4f}, "
                f"accuracy {accuracy:.4f}")
            if log_likelihood > best:  # the best epoch counts, however small its lead
                best, best_epoch = log_likelihood, epoch + 1
            # ... but only a real improvement (1e-4) resets the patience
            if log_likelihood > patience_mark + 1e-4:
                patience_mark, waited = log_likelihood, 0
            else:
                waited += 1
                if waited >= self.patience:
                    break
        return params, best_epoch

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

        regressor = MLPRegressor(hidden_layer_sizes=(params[0].shape[1],), activation="relu",
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


def merge_networks(networks: list[list[np.ndarray]]) -> list[np.ndarray]:
    """One network whose score is the mean of the ``networks``' scores (same inputs, one ReLU
    hidden layer each): their hidden units side by side, output weights divided by their number.
    ``[w1, b1, w2, b2]`` per network, as :meth:`ListwiseMLP._train` returns them."""
    if not networks:
        raise ValueError("no networks to merge")
    count = len(networks)
    return [np.concatenate([n[0] for n in networks], axis=1),
            np.concatenate([n[1] for n in networks]),
            np.concatenate([n[2] for n in networks], axis=0) / count,
            np.mean([n[3] for n in networks], axis=0)]
