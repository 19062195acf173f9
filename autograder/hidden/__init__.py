"""The hidden tests. Importing this package registers every graded test, in grading order."""

# The imports stay in grading order, not sorted:
# isort: off
from autograder.hidden import layers_basic  # noqa: F401
from autograder.hidden import layers_norm  # noqa: F401
from autograder.hidden import layers_dropout  # noqa: F401
from autograder.hidden import layers_conv  # noqa: F401
from autograder.hidden import layers_spatial  # noqa: F401
from autograder.hidden import optim  # noqa: F401
from autograder.hidden import fc_net  # noqa: F401
from autograder.hidden import cnn  # noqa: F401
from autograder.hidden import accuracy  # noqa: F401
from autograder.hidden import pytorch_barebones  # noqa: F401
from autograder.hidden import pytorch_modules  # noqa: F401
from autograder.hidden import pytorch_targets  # noqa: F401
