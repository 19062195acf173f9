"""The figures of results.json as short markdown tables (benchmarks/results.md, pasted into README's Figures)."""

from __future__ import annotations

from collections.abc import Iterable


def table(header: list[str], rows: Iterable[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if value == 0:
            return "0"
        for bound, digits in ((0.01, 4), (10, 2), (100, 1)):
            if abs(value) < bound:
                return f"{value:.{digits}f}"
        return f"{value:.0f}"
    return str(value)


SIZE_STEPS = ("discovery", "gradebook_first_write", "gradebook_rewrite", "grades_csv", "report")


def _peak(figures: dict, role: str) -> float | None:
    return figures.get("peak_rss_mib", {}).get(role)


def machine_line(machine: dict, idle: dict) -> str:
    blas = machine["blas"]
    env = ", ".join(f"{k}={v}" for k, v in machine["blas_environment"].items()) or "no BLAS variables set"
    return (f"Machine: {machine['cpu']}, {machine['usable_cores']} cores, {machine['memory_gib']} GiB; Python "
            f"{machine['python']}, numpy {machine['numpy']}, BLAS {blas['name']} {blas['version']} "
            f"({blas.get('runtime') or 'runtime unknown'}; {env}); nbgrader {machine['nbgrader']}. "
            f"1-minute load at start {idle['load1']:.2f} (waited {idle['waited_s']} s for < {idle['max_load']}).")


def single_tables(single: dict) -> str:
    runs = [("with the CIFAR-10 targets", single.get("with_data")),
            ("the same, --blas-threads = cores", single.get("with_data_all_cores")),
            ("without them (--no-data)", single["without_data"]),
            ("only the PyTorch tests (--tests pytorch.)", single.get("pytorch_only"))]
    if "data_preparation" in single:
        runs.append(("grading data preparation (once per course)", single["data_preparation"]))
    head = table(["one complete submission (solutions)", "wall s", "CPU s", "grader peak MiB", "runner peak MiB",
                  "score", "others' CPU s"],
                 [[what, f["wall_s"], f["cpu_s"], _peak(f, "grader"), _peak(f, "runner"),
                   f"{f['score']:g}/{f['max_score']:g}" if "score" in f else "", f["others_cpu_s"]]
                  for what, f in runs if f])
    groups = single["by_group"]
    split = table(["test group", "tests", "wall s", "judge CPU s", "runner CPU s", "runner peak MiB (so far)",
                   "slowest test"],
                  [[name, g["tests"], g["wall_s"], g["judge_cpu_s"], g["runner_cpu_s"], g["runner_peak_rss_mib"],
                    g["slowest"]] for name, g in groups["groups"].items()]
                  + [["outside the tests (staging, runner start and stop)", "", groups["outside_tests_wall_s"], "",
                      "", "", ""]])
    return head + "\n\n" + split


def nbgrader_table(nbgrader: dict, single: dict) -> str:
    if "skipped" in nbgrader:
        return f"nbgrader autograde: skipped ({nbgrader['skipped']})."
    ours = single["with_data"]
    rows = [["`nbgrader autograde` (executes the 5 notebooks)", nbgrader["wall_s"], nbgrader["cpu_s"],
             _peak(nbgrader, "kernel"), f"{nbgrader['code_score']:g}/{nbgrader['max_code_score']:g}",
             nbgrader["others_cpu_s"]],
            ["`autograder grade` (hidden tests, CIFAR-10 targets)", ours["wall_s"], ours["cpu_s"],
             _peak(ours, "runner"), f"{ours['score']:g}/{ours['max_score']:g}", ours["others_cpu_s"]]]
    ratio = table(["same submission", "wall s", "CPU s", "peak MiB (kernel / runner)", "score", "others' CPU s"],
                  rows)
    return ratio + f"\n\nRatio: {nbgrader['ratio_wall']:.1f}x faster in wall time, {nbgrader['ratio_cpu']:.1f}x " \
                   "less CPU time."


def scale_tables(scale: dict) -> str:
    sizes = table([f"N (workers: {scale['workers_for_sizes']})", "wall s", "wall s / sub", "CPU s / sub",
                   "subs / min", "discovery s", "gradebook: new students s", "gradebook: rewrite s", "grades.csv s",
                   "report s", "others' CPU s"],
                  [[r["n"], r["wall_s"], r["wall_s_per_submission"], r["cpu_s_per_submission"],
                    r["throughput_per_min"], *(r["steps"][k] for k in SIZE_STEPS), r["others_cpu_s"]]
                   for r in scale["by_size"]])
    exps = table(["growth exponent between sizes (1 = linear)", "values"],
                 [[name, ", ".join(_cell(v) for v in values)] for name, values in scale["growth_exponents"].items()])
    workers = table([f"workers (N = {scale['by_workers'][0]['n']})", "wall s", "subs / min", "speedup vs 1",
                     "grader peak MiB", "peak total RSS MiB", "others' CPU s"],
                    [[r["workers"], r["wall_s"], r["throughput_per_min"],
                      scale["speedup_vs_one_worker"].get(r["workers"]), _peak(r, "grader"), r["peak_total_rss_mib"],
                      r["others_cpu_s"]]
                     for r in scale["by_workers"]])
    return "\n\n".join([sizes, exps, workers])


def student_table(student: dict) -> str:
    names = {"check_solutions": "`autograder check` on the solutions",
             "check_release": "`autograder check` on the untouched release",
             "generate_no_execute": "`python -m generate --no-execute` (release and solutions)"}
    return table(["student and instructor side", "wall s", "CPU s", "exit status", "others' CPU s"],
                 [[names[k], f["wall_s"], f["cpu_s"], f["returncode"], f["others_cpu_s"]] for k, f in student.items()])


def targets_table(targets: list[dict]) -> str:
    return table(["target", "measured", "met"],
                 [[t["target"], t["measured"], "yes" if t["met"] else "NO"] for t in targets])


def markdown(results: dict) -> str:
    s = results["sections"]
    legend = ("Seconds are wall-clock and CPU time of the whole command (every process it started, runners "
              "included); \"others' CPU s\" is the CPU time the rest of the machine used meanwhile (near 0: the run "
              "had the machine to itself).")
    parts = [machine_line(results["machine"], results["idle"]), legend, targets_table(results["targets"])]
    if "single" in s:
        parts += [single_tables(s["single"]), nbgrader_table(s["nbgrader"], s["single"]), scale_tables(s["scale"]),
                  student_table(s["student"])]
    if "similarity" in s:
        from benchmarks.similarity import markdown as similarity_tables

        parts.append(similarity_tables(s["similarity"]))
    return "\n\n".join(parts) + "\n"
