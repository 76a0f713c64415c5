"""The evaluation's pictures (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional, Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def confusion_matrix_png(
    truth: Sequence[str], predicted: Sequence[str], path: Path, title: str
) -> Path:
    """Rows: true label; columns: predicted label; cells: share of the row (counts written)."""
    labels = sorted(set(truth) | set(predicted))
    index = {label: i for i, label in enumerate(labels)}
    counts = np.zeros((len(labels), len(labels)), dtype=int)
    for t, p in zip(truth, predicted, strict=True):
        counts[index[t], index[p]] += 1
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)

    size = max(8.0, 0.28 * len(labels) + 3)
    fig, ax = plt.subplots(figsize=(size, size))
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)))
    ax.set_yticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=90, fontsize=7)
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=10)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if counts[i, j] and i != j:
                ax.text(
                    j,
                    i,
                    str(counts[i, j]),
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if shares[i, j] > 0.5 else "darkred",
                    fontweight="bold",
                )
    fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02, label="share of true label")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def confidence_histogram_png(
    series: Dict[str, Dict[str, Sequence[float]]],
    thresholds: Dict[str, Dict[str, Optional[float]]],
    path: Path,
    title: str,
) -> Path:
    """One panel per series name; each panel overlays correct and wrong predictions.

    ``series[name] = {"correct": [...], "wrong": [...]}``; ``thresholds[name]`` maps a line
    label to an x position (None to skip).
    """
    names = list(series)
    fig, axes = plt.subplots(1, len(names), figsize=(6 * len(names), 4.2), squeeze=False)
    bins = np.linspace(0, 1, 21)
    for ax, name in zip(axes[0], names, strict=True):
        data = series[name]
        ax.hist(
            [data.get("correct", []), data.get("wrong", [])],
            bins=bins,
            stacked=True,
            color=["#4c9a5a", "#c44e52"],
            label=[
                f"correct (n={len(data.get('correct', []))})",
                f"wrong (n={len(data.get('wrong', []))})",
            ],
        )
        for k, (label, x) in enumerate((thresholds.get(name) or {}).items()):
            if x is None:
                continue
            ax.axvline(
                x,
                color="black",
                linestyle=["--", ":", "-."][k % 3],
                linewidth=1,
                label=f"{label} = {x:g}",
            )
        if not any(data.values()):
            ax.text(0.5, 0.5, "none", ha="center", va="center", transform=ax.transAxes)
        ax.set_xlim(0, 1)
        ax.set_xlabel("confidence")
        ax.set_ylabel("messages")
        ax.set_title(name, fontsize=10)
        ax.legend(fontsize=8, loc="upper left")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
