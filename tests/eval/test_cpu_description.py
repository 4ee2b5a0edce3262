"""The CPU line every benchmark prints first (eval.bench.timing.cpu_description), on hand-made cpuinfo."""

from __future__ import annotations

import os

from eval.bench.timing import cpu_description

EPYC = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 7763 64-Core Processor
flags\t\t: fpu sse2 avx avx2 fma bmi2 sha_ni

processor\t: 1
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 7763 64-Core Processor
flags\t\t: fpu sse2 avx avx2 fma bmi2 sha_ni
"""

SAPPHIRE_RAPIDS = """processor\t: 0
model name\t: Intel(R) Xeon(R) Platinum 8480+
flags\t\t: avx2 avx512f avx512bw avx512_vnni avx_vnni amx_bf16 amx_tile amx_int8 avx512_bf16
"""


def test_an_avx2_only_cpu_is_named_with_its_one_flag_of_note():
    assert cpu_description(EPYC) == (
        f"CPU: AMD EPYC 7763 64-Core Processor, {os.cpu_count()} cores, flags: avx2"
    )


def test_vnni_bf16_and_amx_flags_are_listed_in_a_fixed_order():
    assert cpu_description(SAPPHIRE_RAPIDS).endswith(
        "flags: avx2 avx512f avx512_vnni avx_vnni avx512_bf16 amx_int8 amx_bf16"
    )
    assert "Intel(R) Xeon(R) Platinum 8480+" in cpu_description(SAPPHIRE_RAPIDS)


def test_an_unreadable_cpuinfo_still_gives_a_line():
    assert cpu_description("") == f"CPU: unknown CPU, {os.cpu_count()} cores, flags: none of note"
    assert cpu_description("processor : 0\nflags : sse2 mmx\n").endswith("flags: none of note")


def test_this_machine_is_described():
    assert cpu_description().startswith("CPU: ")
