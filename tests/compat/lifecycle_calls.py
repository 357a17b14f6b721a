"""Polyaxon's Python client making the calls of `tests/lifecycle_child.rs calls <root>` (usage:
`lifecycle_calls.py <root> [<owner/project>]`), under
the same environment (offline or external) and working directory: the reference that
tests/lifecycle.rs compares polytrack's run with. Writes the run's uuid to `<root>/python-uuid`."""

import os
import sys

from polyaxon import tracking

if __name__ == "__main__":
    root = sys.argv[1]
    project = sys.argv[2] if len(sys.argv) > 2 else None
    tracking.init(project=project)
    tracking.set_name("lifecycle")
    tracking.set_description("every lifecycle call once")
    tracking.set_readme("# Lifecycle\n\nA *markdown* readme.")
    tracking.log_meta(concurrency=5)
    tracking.log_progress(0.25)
    tracking.log_progress(0.5)
    tracking.log_status("processing", reason="Loader", message="loading data")
    tracking.log_data_ref(name="mnist", content="hello")
    tracking.log_data_ref(name="train", path=os.path.join(root, "data/train.csv"))
    tracking.log_model_ref(path=os.path.join(root, "ckpt/model.bin"), framework="burn")
    tracking.log_file_ref(path=os.path.join(root, "data/train.csv"), name="train-file")
    tracking.log_dir_ref(path=os.path.join(root, "ckpt"))
    tracking.get_tensorboard_path()
    tracking.log_code_ref()
    # A new run's stdout goes to its logs: the uuid goes to a file.
    with open(os.path.join(root, "python-uuid"), "w") as f:
        f.write(tracking.TRACKING_RUN.run_uuid)
    tracking.log_stopped()
