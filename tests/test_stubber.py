"""Unit tests of the stubber (generate/stubber.py) and of rendering the package (generate/package.py)."""

import ast
import textwrap

import pytest

from generate.package import render_package, write_package
from generate.stubber import (
    END_OF_YOUR_CODE,
    START_OF_YOUR_CODE,
    AnnotationError,
    find_regions,
    solution_source,
    stub_source,
)

PATH = "cs231n/layers.py"

ANNOTATED = textwrap.dedent('''\
    """A module."""

    import numpy as np


    def affine_forward(x, w, b):
        """Doc."""
        out = None
        # TODO: compute out.
        ### BEGIN SOLUTION
        out = x.reshape(x.shape[0], -1) @ w + b
        ### END SOLUTION
        cache = (x, w, b)
        return out, cache


    class Net:
        """A net."""

        def loss(self, X, y=None):
            scores = None
            if y is None:
                ### BEGIN SOLUTION
                scores = X @ self.W
                ### END SOLUTION
                return scores
            ### BEGIN SOLUTION
            loss = float(np.sum(scores))
            return loss
            ### END SOLUTION


    def outer(a):
        def inner(b):
            ### BEGIN SOLUTION
            return a + b
            ### END SOLUTION

        return inner
    ''')


def _message(function: str, path: str = PATH) -> str:
    return (f'raise NotImplementedError("{function}: not implemented yet; write your code between the '
            f'START/END OF YOUR CODE lines in {path}")')


def test_regions_found_with_enclosing_function_names():
    regions = find_regions(ANNOTATED, PATH)
    assert [r.function for r in regions] == ["affine_forward", "Net.loss", "Net.loss", "outer.inner"]
    assert [r.indent for r in regions] == ["    ", " " * 12, " " * 8, " " * 8]
    lines = ANNOTATED.splitlines()
    assert all(lines[r.begin].strip() == "### BEGIN SOLUTION" for r in regions)
    assert all(lines[r.end].strip() == "### END SOLUTION" for r in regions)


def test_stub_replaces_each_region_at_its_indentation():
    stub = stub_source(ANNOTATED, PATH)
    assert "BEGIN SOLUTION" not in stub and "END SOLUTION" not in stub
    secrets = ("x.reshape(x.shape[0], -1) @ w + b", "X @ self.W", "float(np.sum(scores))", "return a + b")
    assert not [secret for secret in secrets if secret in stub]
    expected_block = "\n".join([
        f"    {START_OF_YOUR_CODE}",
        f"    {_message('affine_forward')}",
        f"    {END_OF_YOUR_CODE}",
    ])
    assert expected_block in stub
    assert f"            {_message('Net.loss')}\n" in stub
    assert f"        {_message('Net.loss')}\n" in stub
    assert f"        {_message('outer.inner')}\n" in stub
    assert stub.count(START_OF_YOUR_CODE) == stub.count(END_OF_YOUR_CODE) == 4
    ast.parse(stub)


def test_stub_keeps_code_outside_regions():
    stub_lines = stub_source(ANNOTATED, PATH).splitlines()
    original = ANNOTATED.splitlines()
    regions = find_regions(ANNOTATED, PATH)
    inside = {i for r in regions for i in range(r.begin, r.end + 1)}
    outside = [line for i, line in enumerate(original) if i not in inside]
    generated = [line for line in stub_lines
                 if START_OF_YOUR_CODE not in line and END_OF_YOUR_CODE not in line
                 and "NotImplementedError" not in line]
    assert generated == outside


def test_stub_raises_when_called():
    namespace: dict = {}
    exec(compile(stub_source(ANNOTATED, PATH), PATH, "exec"), namespace)
    expected = r"^affine_forward: not implemented yet; .* cs231n/layers\.py$"
    with pytest.raises(NotImplementedError, match=expected):
        namespace["affine_forward"](None, None, None)
    with pytest.raises(NotImplementedError, match=r"^outer\.inner: "):
        namespace["outer"](1)(2)


def test_solution_removes_only_the_marker_lines():
    clean = solution_source(ANNOTATED, PATH)
    expected = [line for line in ANNOTATED.splitlines()
                if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
    assert clean.splitlines() == expected
    assert clean.endswith("\n")
    namespace: dict = {}
    exec(compile(clean, PATH, "exec"), namespace)
    assert namespace["outer"](1)(2) == 3


def test_file_without_regions_is_unchanged():
    text = "def f(x):\n    return x\n"
    assert stub_source(text, PATH) == text
    assert solution_source(text, PATH) == text


def test_windows_line_endings_are_kept():
    text = "def f(x):\r\n    ### BEGIN SOLUTION\r\n    return x\r\n    ### END SOLUTION\r\n"
    stub = stub_source(text, PATH)
    assert stub.count("\r\n") == 4 and "\n" not in stub.replace("\r\n", "")
    assert solution_source(text, PATH) == "def f(x):\r\n    return x\r\n"


BAD_FILES = {
    "nested": ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    x = 1\n    ### END SOLUTION\n"
               "    ### END SOLUTION\n", 3, "nested"),
    "end without begin": ("def f():\n    x = 1\n    ### END SOLUTION\n", 3, "without a ### BEGIN"),
    "begin without end": ("def f():\n    ### BEGIN SOLUTION\n    x = 1\n", 2, "without a matching"),
    "outside any function": ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", 1, "outside any function"),
    "in a class body": ("class A:\n    ### BEGIN SOLUTION\n    x = 1\n    ### END SOLUTION\n", 2,
                        "outside any function"),
    "across two functions": ("def f():\n    ### BEGIN SOLUTION\n    x = 1\n\n\ndef g():\n    y = 2\n"
                             "    ### END SOLUTION\n", 8, "is not in f"),
    "end indented differently": ("def f():\n    if True:\n        ### BEGIN SOLUTION\n        x = 1\n"
                                 "    ### END SOLUTION\n", 5, "not indented like"),
    "malformed marker": ("def f():\n    ## BEGIN SOLUTION\n    x = 1\n", 2, "malformed solution marker"),
    "annotated file does not parse": ("def f(:\n    pass\n", 1, "annotated file is not valid Python"),
    "stub does not parse": ("def f():\n    x = [\n        ### BEGIN SOLUTION\n        1, 2,\n"
                            "        ### END SOLUTION\n    ]\n    return x\n", None,
                            "generated file is not valid"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_malformed_annotations_raise_naming_file_and_line(case):
    text, line, message = BAD_FILES[case]
    with pytest.raises(AnnotationError) as info:
        stub_source(text, "cs231n/optim.py")
    assert message in str(info.value)
    assert str(info.value).startswith("cs231n/optim.py:")
    if line is not None:
        assert info.value.line == line


def test_render_package_transforms_py_and_skips_caches_and_data(tmp_path):
    package = tmp_path / "cs231n"
    (package / "classifiers").mkdir(parents=True)
    (package / "__pycache__").mkdir()
    (package / "datasets" / "cifar-10-batches-py").mkdir(parents=True)
    (package / "classifiers" / "fc_net.py").write_text(ANNOTATED)
    (package / "solver.py").write_text("X = 1\n")
    (package / "datasets" / "get_cifar10.py").write_text("URL = 'x'\n")
    (package / "datasets" / "notes.txt").write_bytes(b"\x00binary\xff")
    (package / "datasets" / "cifar-10-batches-py" / "data_batch_1").write_bytes(b"data")
    (package / "datasets" / "cifar-10-python.tar.gz").write_bytes(b"archive")
    (package / "__pycache__" / "solver.cpython-311.pyc").write_bytes(b"pyc")

    rendered = render_package(package, stub_source)
    assert list(rendered) == ["cs231n/classifiers/fc_net.py", "cs231n/datasets/get_cifar10.py",
                              "cs231n/datasets/notes.txt", "cs231n/solver.py"]
    assert rendered["cs231n/solver.py"] == b"X = 1\n"
    assert rendered["cs231n/datasets/notes.txt"] == b"\x00binary\xff"
    stub = rendered["cs231n/classifiers/fc_net.py"].decode()
    assert "lines in cs231n/classifiers/fc_net.py" in stub and "X @ self.W" not in stub


def test_render_package_refuses_markers_outside_py_files(tmp_path):
    package = tmp_path / "cs231n"
    package.mkdir()
    (package / "im2col.pyx").write_text("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n")
    with pytest.raises(ValueError, match="cs231n/im2col.pyx"):
        render_package(package, stub_source)


def test_write_package_removes_stale_files(tmp_path):
    target = tmp_path / "release"
    (target / "cs231n" / "old").mkdir(parents=True)
    (target / "cs231n" / "old" / "stale.py").write_text("old\n")
    (target / "README.md").write_text("kept\n")
    write_package({"cs231n/layers.py": b"x = 1\n", "cs231n/classifiers/cnn.py": b"y = 2\n"}, target)
    files = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert files == ["README.md", "cs231n/classifiers/cnn.py", "cs231n/layers.py"]
    assert (target / "cs231n" / "layers.py").read_bytes() == b"x = 1\n"
