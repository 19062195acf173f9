"""The names of what `autograder similarity` writes into OUT. They are class-level outputs: each has a dot in its
name, which keeps it apart from every student's folder (submission.folder_name never has one)."""

CSV = "similarity.csv"  # the pairs at or above the threshold (csv_report.py)
HTML = "similarity.html"  # the pairs ranked (html_report.py)
PAGES = "similarity.pairs"  # the folder of side-by-side pages, one per pair


def pair_page(rank: int) -> str:
    """The side-by-side page of the pair at RANK (1 = the highest score), relative to OUT."""
    return f"{PAGES}/pair-{rank:04d}.html"
