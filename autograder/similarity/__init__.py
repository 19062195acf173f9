"""`autograder similarity`: which submissions share code that their authors did not write independently.

The pipeline, one module a step (data flows down the list):
  extract     what each student wrote: the TODO regions of every function (the whole body where a file has none),
              read as text from the staged submission, never imported
  tokens      that code as normalized tokens (names the student chose become V; comments, docstrings and layout go)
  fingerprint k-gram hashes of the tokens, winnowed (copydetect's robust winnowing), the release's own code removed
  index       all fingerprints of the class and of the known solutions: how common each one is (its weight) and,
              for every pair, the weight they share
  score       the pairs above the threshold, matched again in detail: only long runs count, per function
  writers     similarity.csv, similarity.html with a side-by-side page per pair, the section in report.html
  command     the `autograder similarity` command tying them together
"""
