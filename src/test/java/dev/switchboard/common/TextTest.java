package dev.switchboard.common;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TextTest {

  @Test
  void namesAreNormalisedAndTrimmed() {
    // "é" as e + combining acute becomes the one precomposed character
    assertThat(Text.name("  Cafe\u0301\u00A0", "name", 10)).isEqualTo("Caf\u00E9");
    assertThat(Text.name("Ana", "name", 3)).isEqualTo("Ana");
  }

  @Test
  void invisibleNamesAreRefused() {
    for (String blank : new String[] {"", "   ", "\u200B", "\u200B\u200D\uFEFF", "\u00A0\u2003", null}) {
      assertThatThrownBy(() -> Text.name(blank, "label", 64)).isInstanceOf(ApiException.class)
          .hasMessageContaining("label must not be empty");
    }
  }

  @Test
  void lengthIsCountedInCharactersAsPeopleSeeThem() {
    String emoji = "\uD83D\uDE00".repeat(64);
    assertThat(Text.name(emoji, "label", 64)).isEqualTo(emoji);
    assertThatThrownBy(() -> Text.name(emoji + "x", "label", 64)).hasMessageContaining("at most 64");
    assertThatThrownBy(() -> Text.name("x".repeat(201), "name", Text.NAME_MAX)).hasMessageContaining("at most 200");
  }

  @Test
  void controlCharacters() {
    assertThatThrownBy(() -> Text.name("a\nb", "name", 200)).hasMessageContaining("one line");
    assertThatThrownBy(() -> Text.name("a\u0000b", "name", 200)).hasMessageContaining("one line");
    assertThat(Text.text("line one\n\tline two", "note", 100)).isEqualTo("line one\n\tline two");
    assertThatThrownBy(() -> Text.text("bell\u0007", "note", 100)).hasMessageContaining("control characters");
    assertThatThrownBy(() -> Text.text("x".repeat(4097), "note", Text.NOTE_MAX))
        .isInstanceOf(ApiException.class).hasMessageContaining("at most 4096");
  }
}
