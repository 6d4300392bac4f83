"""The synthetic speaker set: every base voice, plain and with seeded voice augmentations, with stable ids.

Speaker id: `<base voice>` for the plain voice, `<base voice>~<k>` for its k-th
augmentation (parameters drawn from the id itself, so ids never change meaning).
"""
from dataclasses import dataclass
from typing import Optional

from .augment import VoiceAugment, draw_augment
from .splits import synthetic_family_is_heldout
from .voices import BaseVoice, base_voices

# Augmented variants per base voice (besides the plain voice). espeak-ng has 112
# base voices already (8 accents x 14 variants); flite and festival have 8, so
# they get more augmentations to balance the families.
AUGMENTS_PER_VOICE = {"espeak": 1, "flite": 11, "festival": 11}


@dataclass(frozen=True)
class SyntheticSpeaker:
    id: str
    voice: BaseVoice
    augment: Optional[VoiceAugment]

    @property
    def family(self) -> str:
        return self.voice.family

    @property
    def heldout(self) -> bool:
        return synthetic_family_is_heldout(self.voice.family)


def synthetic_speakers() -> list:
    """All synthetic speakers in a fixed order (plain voice first, then its augmentations)."""
    speakers = []
    for voice in base_voices():
        speakers.append(SyntheticSpeaker(voice.name, voice, None))
        for k in range(1, AUGMENTS_PER_VOICE[voice.engine] + 1):
            sid = f"{voice.name}~{k}"
            speakers.append(SyntheticSpeaker(sid, voice, draw_augment(sid)))
    return speakers
