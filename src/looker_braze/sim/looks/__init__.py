"""Generated Looks: json_detail documents as Looker sends them for a Look whose identifier field
is tagged `braze_id` and whose attribute fields are tagged `braze[<name>]`, streamed in constant
memory, deterministic for a seed, with the truth a correct hub must find.

    spec = LookSpec(rows=1_000_000, known_users=800_000, unknown_share=0.1, duplicate_share=0.05)
    truth = write_look(spec, "look.json")          # or: stream = look_chunks(spec); for c in stream
    compute_truth(spec)                            # the same counts without rendering anything
    look_rows(LookSpec(rows=20))                   # small Looks as Python data, planted facts too
"""

from looker_braze.sim.looks.csv_look import CsvLook, CsvLookError
from looker_braze.sim.looks.fields import MALFORMED_TAGS, PIVOT_VALUES
from looker_braze.sim.looks.small import LookRow, look_document, look_rows
from looker_braze.sim.looks.spec import ATTRIBUTES, INVALIDABLE, LookSpec, Quotas
from looker_braze.sim.looks.truth import LookTruth, compute_truth
from looker_braze.sim.looks.writer import LookStream, look_bytes, look_chunks, write_look

__all__ = [
    "ATTRIBUTES",
    "INVALIDABLE",
    "MALFORMED_TAGS",
    "PIVOT_VALUES",
    "CsvLook",
    "CsvLookError",
    "LookRow",
    "LookSpec",
    "LookStream",
    "LookTruth",
    "Quotas",
    "compute_truth",
    "look_bytes",
    "look_chunks",
    "look_document",
    "look_rows",
    "write_look",
]
