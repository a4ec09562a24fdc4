"""Benchmark datasets on disk: a folder of HR images, or a folder with an ``HR/`` subfolder."""

from pathlib import Path


def dataset_images(data_dir):
    """``(name, files)`` of a benchmark folder: ``DIR/HR/*`` if it has an ``HR`` folder, else ``DIR/*``.

    The name is the folder's (``Set5`` for ``Set5/`` and for ``Set5/HR/``).
    """
    from keras_sr.data import list_image_files

    path = Path(data_dir)
    if path.is_file():
        raise NotADirectoryError(f"dataset {data_dir} is a file, not a folder: give the folder of HR images "
                                 "(or the folder that holds it)")
    if not path.is_dir():
        raise FileNotFoundError(f"dataset folder {data_dir} does not exist")
    if (path / "HR").is_dir():
        path = path / "HR"
    name = path.resolve().parent.name if path.name == "HR" else path.resolve().name
    return name, list_image_files(path)
