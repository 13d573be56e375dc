"""The tag checks shared by Looks and LookML views: the identifier tag and the attribute tags.

The rules are the hub's (actions/braze/mapping.py): exactly one field tagged ``braze_id``; each
``braze[<name>]`` tag sets attribute ``<name>``, case kept; a name may be used by one field only
and may not be an identifier or the export attribute; other tags starting with "braze" are
malformed and ignored, as are names longer than Braze takes. What each standard attribute takes,
and what each field's values become, are read from the hub's own tables (braze/attributes.py,
actions/braze/values.py). The hub stops at the first of these problems; the check lists them all,
then takes them out (``usable_fields``) so the rows can still be checked with the hub's mapper.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from looker_braze.actions.braze.events import tags as event_tags
from looker_braze.actions.braze.mapping import long_name_tags, malformed_tags
from looker_braze.actions.braze.tags import ID_TAG, OTHER_ACTIONS, attribute_name
from looker_braze.actions.braze.trigger.tags import is_trigger_tag, property_name
from looker_braze.actions.braze.values import BOOLEAN, DATE, NUMBER, TEXT, TIME, value_kind
from looker_braze.braze.attributes import IDENTIFIER_NAMES, MAX_STRING, STANDARD
from looker_braze.check.findings import Finding, passed, problem, warning
from looker_braze.hub.document import Field, Fields

# How a custom attribute's values are sent, by what values.py makes of the field.
SENT_AS = {
    BOOLEAN: "boolean",
    NUMBER: "number",
    DATE: "date (YYYY-MM-DD)",
    TIME: "time, read in the Look's time zone and sent in UTC",
    TEXT: "text",
}


@dataclass(frozen=True)
class AttributeTag:
    name: str
    field: Field
    tag: str  # as written on the field


@dataclass(frozen=True)
class TagAnalysis:
    id_fields: tuple[Field, ...]
    attributes: tuple[AttributeTag, ...]  # what the hub would send: first field of each name
    reserved: tuple[AttributeTag, ...]  # names of identifiers or of the export attribute
    repeated: tuple[AttributeTag, ...]  # later fields reusing a name
    malformed: tuple[tuple[str, str], ...]  # (field name, tag) that the hub ignores
    too_long: tuple[AttributeTag, ...] = ()  # names longer than Braze takes: the hub ignores them
    # (field name, tag, action) of the tags braze_events or braze_subscriptions reads
    other_actions: tuple[tuple[str, str, str], ...] = ()
    # braze_trigger's tags: (field, tag, property name or None when malformed)
    trigger: tuple[tuple[Field, str, str | None], ...] = ()

    @property
    def blocking(self) -> bool:
        """Whether the hub would refuse these fields outright."""
        return len(self.id_fields) != 1 or bool(self.reserved or self.repeated)


def analyse_tags(fields: Fields, key_kind: str, array_attribute: str) -> TagAnalysis:
    reserved_names = IDENTIFIER_NAMES | {array_attribute, key_kind}
    attributes: dict[str, AttributeTag] = {}
    reserved, repeated = [], []
    too_long = {(f.name, tag) for f, tag in long_name_tags(fields)}
    for f in fields.fields:
        for tag in f.tags:
            name = attribute_name(tag)
            if name is None or (f.name, tag) in too_long:
                continue
            found = AttributeTag(name, f, tag)
            if found.name in reserved_names:
                reserved.append(found)
            elif found.name in attributes and attributes[found.name].field is f:
                continue  # the same tag twice on one field, as the hub reads it
            elif found.name in attributes:
                repeated.append(found)
            else:
                attributes[found.name] = found
    return TagAnalysis(
        id_fields=tuple(f for f in fields.fields if ID_TAG in f.tags),
        attributes=tuple(attributes.values()),
        reserved=tuple(reserved),
        repeated=tuple(repeated),
        # Tags of the events action are not the flag action's, but not malformed either.
        malformed=tuple(
            (f.name, tag) for f, tag in malformed_tags(fields) if event_tags.is_malformed(tag)
        ),
        too_long=tuple(
            AttributeTag(attribute_name(t) or "", f, t) for f, t in long_name_tags(fields)
        ),
        other_actions=tuple(
            (f.name, tag, action)
            for f in fields.fields
            for tag in f.tags
            if (action := _other_action(tag)) is not None
        ),
        trigger=tuple(
            (f, tag, property_name(tag))
            for f in fields.fields
            for tag in f.tags
            if is_trigger_tag(tag)
        ),
    )


def _other_action(tag: str) -> str | None:
    """The action that reads ``tag`` when it is braze_events' or braze_subscriptions' (the
    trigger's tags have findings of their own)."""
    if tag in event_tags.SINGLE_TAGS or event_tags.property_name(tag) is not None:
        return "braze_events"
    return OTHER_ACTIONS.get(tag)


def usable_fields(fields: Fields, analysis: TagAnalysis) -> Fields:
    """``fields`` without what would make the hub refuse them: no pivot, the identifier tag on
    the first tagged field only, no reserved or repeated attribute tags."""
    dropped = {(a.field.name, a.tag) for a in analysis.reserved + analysis.repeated}
    dropped |= {(f.name, ID_TAG) for f in analysis.id_fields[1:]}
    kept = tuple(
        replace(f, tags=tuple(t for t in f.tags if (f.name, t) not in dropped))
        for f in fields.fields
    )
    return Fields(kept)


# ---------------------------------------------------------------- findings


def tag_findings(analysis: TagAnalysis, check: str, key_kind: str) -> list[Finding]:
    """One line per tag problem and per attribute; ``check`` prefixes the check names."""
    findings = _identifier_findings(analysis, check, key_kind)
    findings += [
        problem(
            f"{check}.tags",
            f"Tag '{tag}' on {name} is malformed, so the hub ignores it: write "
            "braze[<attribute>] (one attribute name in square brackets).",
        )
        for name, tag in analysis.malformed
    ]
    findings += [
        passed(
            f"{check}.{action.removeprefix('braze_')}",
            f"Tag '{tag}' on {name}: read by the {action} action (the flag action ignores it).",
        )
        for name, tag, action in analysis.other_actions
    ]
    findings += [_too_long_finding(a, check) for a in analysis.too_long]
    findings += [_reserved_finding(a, check, key_kind) for a in analysis.reserved]
    findings += [_repeated_finding(a, analysis, check) for a in analysis.repeated]
    findings += [_attribute_finding(a, check) for a in analysis.attributes]
    findings += [_trigger_finding(f, tag, name, check) for f, tag, name in analysis.trigger]
    if not analysis.attributes:
        findings.append(
            passed(
                f"{check}.attributes", "No braze[...] attribute tags: a send only adds the label."
            )
        )
    return findings


def _identifier_findings(analysis: TagAnalysis, check: str, key_kind: str) -> list[Finding]:
    ids, name = analysis.id_fields, f"{check}.identifier"
    if not ids:
        return [
            problem(
                name,
                f"No field is tagged '{ID_TAG}': the hub refuses the Look. In LookML, add "
                f'tags: ["{ID_TAG}"] to the dimension that holds the user\'s identifier.',
            )
        ]
    if len(ids) > 1:
        names = ", ".join(f.name for f in ids)
        return [problem(name, f"Several fields are tagged '{ID_TAG}' ({names}): tag exactly one.")]
    findings = [
        passed(name, f"{ids[0].name} is the identifier (tagged '{ID_TAG}'), read as {key_kind}.")
    ]
    if ids[0].category != "dimension":
        findings.append(
            warning(
                name,
                f"The identifier {ids[0].name} is a {ids[0].category.replace('_', ' ')}: "
                "tag a dimension that holds one user's id per row.",
            )
        )
    return findings


def _reserved_finding(tag: AttributeTag, check: str, key_kind: str) -> Finding:
    role = "an identifier" if tag.name in IDENTIFIER_NAMES or tag.name == key_kind else None
    role = role or "the export attribute that receives the label"
    return problem(
        f"{check}.tags",
        f"{tag.field.name} is tagged braze[{tag.name}], but '{tag.name}' is {role} of this send: "
        "the hub refuses the Look. Remove the tag or choose another name.",
    )


def _repeated_finding(tag: AttributeTag, analysis: TagAnalysis, check: str) -> Finding:
    first = next(a.field.name for a in analysis.attributes if a.name == tag.name)
    return problem(
        f"{check}.tags",
        f"{tag.field.name} and {first} are both tagged braze[{tag.name}]: the hub refuses the "
        "Look. Tag only one field per attribute.",
    )


def _too_long_finding(tag: AttributeTag, check: str) -> Finding:
    return problem(
        f"{check}.tags",
        f"Tag '{tag.tag[:40]}...]' on {tag.field.name} names an attribute of {len(tag.name):,} "
        f"characters; Braze takes at most {MAX_STRING}, so the hub ignores it: shorten the name.",
    )


def _trigger_finding(field: Field, tag: str, name: str | None, check: str) -> Finding:
    if name is None:
        return problem(
            f"{check}.tags",
            f"Tag '{tag}' on {field.name} is malformed, so braze_trigger ignores it: write "
            "braze_trigger[<name>] (one property name in square brackets).",
        )
    return passed(
        f"{check}.trigger",
        f"braze_trigger[{name}] on {field.name}: a per-user property of braze_trigger "
        f"(trigger_properties or Canvas context), sent as {SENT_AS[value_kind(field)]}.",
    )


def _attribute_finding(tag: AttributeTag, check: str) -> Finding:
    where, name = f"braze[{tag.name}] on {tag.field.name}", f"{check}.attributes"
    standard = STANDARD.get(tag.name)
    if standard is not None and not standard.one_field:
        return problem(
            name,
            f"{where}: the standard attribute {tag.name} needs {standard.takes}, which one "
            "Looker field cannot give: remove the tag.",
        )
    if standard is not None:
        return passed(name, f"{where}: standard attribute, takes {standard.takes}.")
    lower = tag.name.lower()
    if lower in STANDARD:
        return warning(
            name,
            f"{where} makes a custom attribute '{tag.name}', not Braze's standard '{lower}' "
            f"(names are case-sensitive): tag braze[{lower}] to set the standard field.",
        )
    return passed(name, f"{where}: custom attribute, sent as {SENT_AS[value_kind(tag.field)]}.")
