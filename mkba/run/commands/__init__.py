"""The commands of ``mkba``, one module per command group.

- :mod:`mkba.run.commands.options` — the Dutch argument parser, the table of English and Dutch
  option names (every option has both), value types (counts, rates) and the settings options
  shared by ``evaluate``, ``report`` and ``batch``;
- :mod:`mkba.run.commands.output` — text for the terminal and the guard that turns every
  failure into one Dutch line and an exit code;
- :mod:`mkba.run.commands.cases` — ``validate``, ``evaluate``, ``effect``, ``template``;
- :mod:`mkba.run.commands.versions` — ``vergelijk``, ``monitor`` (plan and realisation);
- :mod:`mkba.run.commands.reports` — ``report``, ``batch``;
- :mod:`mkba.run.commands.session` — ``sessie``;
- :mod:`mkba.run.commands.cbs` — ``cbs ophalen``, ``cbs grenzen``.

Every command module has ``add_parsers(sub)`` (adds its sub-commands to the parser) and
``COMMANDS`` (name → function of the parsed arguments returning the exit code);
:mod:`mkba.run.cli` puts them together. A new command group is a new module listed in
``mkba.run.cli.GROUPS``; its options get their second-language name from
:data:`mkba.run.commands.options.OPTION_NAMES`.
"""
