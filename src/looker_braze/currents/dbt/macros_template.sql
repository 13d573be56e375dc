{#- Template of macros/braze_currents.sql: looker_braze.currents.dbt.macros fills in PKG_ and
    the upper-case words per dialect. -#}
{% macro PKG_value(name) -%}
  {%- if name in ("start_time", "end_time") -%}
    {{ return(PKG_time_bound(name)) }}
  {%- endif -%}
  {%- set value = var(name, none) -%}
  {%- if value is string and value | trim == "" %}{% set value = none %}{% endif -%}
  {%- if name == "timezone" -%}
    {%- set value = value or DEFAULT_ZONE -%}
    {%- if value not in modules.pytz.all_timezones_set -%}
      {{ exceptions.raise_compiler_error("var timezone: " ~ value ~ " is not an IANA time zone (e.g. America/New_York)") }}
    {%- endif -%}
  {%- elif name in BOOLEANS -%}
    {%- set text = (value if value is not none else "") | string | trim | lower -%}
    {%- if text not in ("true", "false", "1", "0", "yes", "no") -%}
      {{ exceptions.raise_compiler_error("var " ~ name ~ ": " ~ value ~ " is not true or false") }}
    {%- endif -%}
    {%- set value = text in ("true", "1", "yes") -%}
  {%- elif name in NUMBERS -%}
    {%- if value is none or not (value | string | trim) is match_digits -%}
      {{ exceptions.raise_compiler_error("var " ~ name ~ ": " ~ value ~ " is not a whole number of 1 or more") }}
    {%- endif -%}
    {%- set value = value | int -%}
    {%- if value < 1 or value > MAXIMA.get(name, value) -%}
      {{ exceptions.raise_compiler_error("var " ~ name ~ ": " ~ value ~ " is out of range: use 1 to " ~ MAXIMA.get(name, "any")) }}
    {%- endif -%}
  {%- elif name in CHOICES -%}
    {%- set value = (value if value is not none else CHOICES[name][0]) | string | trim | lower -%}
    {%- if value not in CHOICES[name][1] -%}
      {{ exceptions.raise_compiler_error("var " ~ name ~ ": " ~ value ~ " is not one of " ~ CHOICES[name][1] | join(", ")) }}
    {%- endif -%}
  {%- elif value is not none -%}
    {%- set value = value | string -%}
  {%- endif -%}
  {{ return(value) }}
{%- endmacro %}

{% macro PKG_day(name) -%}
  {%- set value = var(name, none) -%}
  {%- if value is none or (value | string | trim) == "" -%}{{ return(none) }}{%- endif -%}
  {%- set text = value | string | trim -%}
  {%- if not modules.re.match("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", text) -%}
    {{ exceptions.raise_compiler_error("var " ~ name ~ ": " ~ text ~ " is not a date; write it as YYYY-MM-DD") }}
  {%- endif -%}
  {{ return(modules.datetime.datetime.strptime(text, "%Y-%m-%d")) }}
{%- endmacro %}

{% macro PKG_time_bound(name) -%}
  {#- Local midnight of `start` (and of the day after `end`) in var timezone, as epoch seconds. -#}
  {%- set start, end = PKG_day("start"), PKG_day("end") -%}
  {%- if start is not none and end is not none and start > end -%}
    {{ exceptions.raise_compiler_error("var start (" ~ var("start") ~ ") is after end (" ~ var("end") ~ ")") }}
  {%- endif -%}
  {%- set day = start if name == "start_time" else end -%}
  {%- if day is none -%}
    {{ return(NO_START if name == "start_time" else NO_END) }}
  {%- endif -%}
  {%- if name == "end_time" %}{% set day = day + modules.datetime.timedelta(days=1) %}{% endif -%}
  {%- set zone = modules.pytz.timezone(PKG_value("timezone")) -%}
  {{ return(zone.localize(day).timestamp() | int) }}
{%- endmacro %}

{% macro PKG_number(name) -%}
  {{- PKG_value(name) -}}
{%- endmacro %}

{% macro PKG_boolean(name) -%}
  {{- "TRUE" if PKG_value(name) else "FALSE" -}}
{%- endmacro %}

{% macro PKG_is_set(name) -%}
  {{ return(PKG_value(name) is not none) }}
{%- endmacro %}

{% macro PKG_string(name) -%}
  '{{ PKG_value(name) | string | replace(BACKSLASH, BACKSLASH_ESCAPED) | replace(QUOTE, QUOTE_ESCAPED) }}'
{%- endmacro %}

{% macro PKG_table(relation) -%}
  {#- A Currents table the warehouse does not have (no event of that type landed yet) reads as
      an empty table of its columns; rebuild once it appears. -#}
  {%- if execute and adapter.get_relation(relation.database, relation.schema, relation.identifier) is none -%}
    ({{ PKG_empty(relation.identifier) }})
  {%- else -%}
    {{ relation }}
  {%- endif -%}
{%- endmacro %}
