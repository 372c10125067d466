"""Every certificate stores the key of its device, so that a device's certificates are
counted by the registry itself (``registry.devices``): written by each import, moved when a
certificate's first model or brand changes, and filled in by the migration that added it."""

from __future__ import annotations

from sqlalchemy import select, update

from importer.run import ImportOptions, import_file
from registry.devices import certificates_of, device_key_of
from registry.migrate import downgrade, upgrade
from registry.models import Certificate
from tests.helpers import row, write_feed

NUMBERS = ["A0412150324AE01A2", "A0412160324AE01A2", "A0412170324AE01A2"]


def keys(engine) -> dict[str, str]:
    with engine.connect() as connection:
        return dict(connection.execute(select(Certificate.certificate_no, Certificate.device_key)).all())


def feed(tmp_path, first_models: list[str], brand: str = "Samsung"):
    rows = [row(number, models=f"{model}; SM-X1", brand=brand) for number, model in zip(NUMBERS, first_models,
                                                                                        strict=True)]
    return write_feed(tmp_path / "f.csv", rows)


def test_a_device_is_its_brand_and_first_model_without_the_region():
    assert device_key_of("Samsung ", "SM-A546E/DS", "A0412150324AE01A2") == "samsung|SMA546E"
    assert device_key_of("TP-Link", "Archer C6(EU)", "X") == "tp-link|ARCHERC6"
    assert device_key_of("Nokia", None, "A0412150324AE01A2") == "nokia|A0412150324AE01A2"  # no model: its own
    assert device_key_of("Nokia", "/", "A0412150324AE01A2") == "nokia|A0412150324AE01A2"


def test_each_import_stores_the_key_and_a_changed_model_moves_it(engine, tmp_path):
    options = ImportOptions(source="qc1")
    assert import_file(engine, feed(tmp_path, ["SM-A546E/DS", "SM-A546E/EEA", "SM-A346E"]), options).status == "applied"
    assert keys(engine) == {NUMBERS[0]: "samsung|SMA546E", NUMBERS[1]: "samsung|SMA546E", NUMBERS[2]: "samsung|SMA346E"}
    with engine.connect() as connection:
        assert certificates_of(connection, ["samsung|SMA546E", "samsung|SMA346E", "nokia|X"]) == {
            "samsung|SMA546E": 2, "samsung|SMA346E": 1}
    # the second certificate is now for the A34: its device moves, and the counts with it
    assert import_file(engine, feed(tmp_path, ["SM-A546E/DS", "SM-A346E/DS", "SM-A346E"]), options).status == "applied"
    with engine.connect() as connection:
        assert certificates_of(connection, ["samsung|SMA546E", "samsung|SMA346E"]) == {
            "samsung|SMA546E": 1, "samsung|SMA346E": 2}


def test_the_migration_fills_in_the_keys_of_certificates_stored_before_it(engine, tmp_path):
    assert import_file(engine, feed(tmp_path, ["SM-A546E/DS", "SM-A546E/EEA", "SM-A346E"]),
                       ImportOptions(source="qc1")).status == "applied"
    stored = keys(engine)
    downgrade(engine, "0010")  # the column and its values go
    upgrade(engine)
    assert keys(engine) == stored and set(stored.values()) == {"samsung|SMA546E", "samsung|SMA346E"}


def test_a_certificate_an_older_version_stored_without_a_key_gets_it_at_the_next_import(engine, tmp_path):
    """Between a deploy's migration and its restart, workers of the version before still import."""
    options = ImportOptions(source="qc1")
    assert import_file(engine, feed(tmp_path, ["SM-A546E/DS", "SM-A546E/EEA", "SM-A346E"]), options).status == "applied"
    with engine.begin() as connection:
        connection.execute(update(Certificate).where(Certificate.certificate_no == NUMBERS[1]).values(device_key=""))
    other = write_feed(tmp_path / "g.csv", [row("A0412990324AE01A2", models="SM-S918B")])
    assert import_file(engine, other, ImportOptions(source="qc2")).status == "applied"
    assert keys(engine)[NUMBERS[1]] == "samsung|SMA546E"
