"""CS231n assignment 2: layers, update rules, classifiers and training tools, written with numpy."""
