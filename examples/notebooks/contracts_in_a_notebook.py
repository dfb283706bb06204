# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Contracts in a notebook
#
# The DataFrame a notebook already has is validated against the same reviewed contract the
# pipeline uses (`lockgate.validate_frames`), the result renders as a table (failing rules first,
# with their bounds and sample rows), and training is guarded: it refuses data whose latest
# validation failed. This file is a [jupytext](https://jupytext.readthedocs.io) notebook in the
# percent format, so it is reviewed as code in pull requests; `jupytext --to ipynb` opens it in
# Jupyter, and a test executes it headless so it never rots.

# %%
import tempfile
from pathlib import Path

from IPython.display import display
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import lockgate
from lockgate.guard import ContractViolation, require_validated
from lockgate.state.store import open_store

# the contract sits next to this notebook (jupytext runs it from its own folder)
HERE = Path.cwd() if (Path.cwd() / "tumours.odcs.yaml").exists() else Path("examples/notebooks")
contract = lockgate.load_contract(HERE / "tumours.odcs.yaml")
# a private history store: the guard reads the latest validation from it
store = open_store(Path(tempfile.mkdtemp()) / "history.sqlite")

# %% [markdown]
# ## Load the data
# scikit-learn's bundled breast-cancer measurements (no download), with snake_case columns.

# %%
data = load_breast_cancer(as_frame=True).frame
data.columns = [c.replace(" ", "_") for c in data.columns]
data.insert(0, "sample_id", range(1, len(data) + 1))
FEATURES = ["mean_radius", "mean_texture", "mean_area", "mean_smoothness"]
data[["sample_id", *FEATURES, "target"]].head()

# %% [markdown]
# ## Validate it against the contract
# One line; the result is a table in Jupyter and a verdict in code (`result.passed`).

# %%
result = lockgate.validate_frames(contract, {"tumours": data}, history=store)
display(result)
assert result.passed


# %% [markdown]
# ## Train, guarded
# `require_validated` returns a receipt (which contract versions and data the model saw) only if
# the latest validation of every contract passed; otherwise it raises `ContractViolation`.


# %%
def train_guarded(frame):
    receipt = require_validated([contract], store=store, stage="tumour model training")
    train, test = train_test_split(frame, test_size=0.3, random_state=0, stratify=frame["target"])
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    model.fit(train[FEATURES], train["target"])
    auc = roc_auc_score(test["target"], model.predict_proba(test[FEATURES])[:, 1])
    return model, receipt, auc


model, receipt, auc = train_guarded(data)
print(
    f"trained on {receipt['contracts'][0]['id']} {receipt['contracts'][0]['version']}: ROC AUC {auc:.3f}"
)

# %% [markdown]
# ## An upstream bug
# A new extract changes the unit of `mean_area` for a third of the rows (every value x100), and a
# join drops `mean_texture` for a few. The model would still train, and score worse in
# production. The contract catches it.

# %%
broken = data.copy()
broken.loc[broken.index % 3 == 0, "mean_area"] *= 100
broken.loc[broken.index[:7], "mean_texture"] = None
failed = lockgate.validate_frames(contract, {"tumours": broken}, history=store)
display(failed)
assert not failed.passed

# %% [markdown]
# Training now refuses, naming each broken rule with its bounds and failing rows:

# %%
try:
    train_guarded(broken)
except ContractViolation as refusal:
    display(refusal)
    assert {v.rule for v in refusal.violations} >= {
        "tumours.mean_area.maximum",
        "tumours.mean_texture.required",
    }
else:
    raise AssertionError("training should have been refused")
