package dev.switchboard.common;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdsTest {

  @Test
  void plainPositiveIdsParse() {
    assertThat(Ids.tryParse("1")).isEqualTo(1L);
    assertThat(Ids.tryParse("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void valuesPastLongAreNotIdsInsteadOfAnException() {
    assertThat(Ids.tryParse("9223372036854775808")).isNull();
    assertThat(Ids.tryParse("9999999999999999999")).isNull();
    assertThatThrownBy(() -> Ids.parse("18446744073709551616", "conversation"))
        .isInstanceOf(ApiException.class);
    assertThatThrownBy(() -> Ids.parseField("9223372036854775808", "teamId"))
        .isInstanceOf(ApiException.class).hasMessageContaining("teamId");
  }

  @Test
  void otherScriptsDigitsAreNotIds() {
    // Arabic-Indic "١٢٣" and full-width "１２"
    assertThat(Ids.tryParse("\u0661\u0662\u0663")).isNull();
    assertThat(Ids.tryParse("\uFF11\uFF12")).isNull();
    assertThat(Ids.tryParse("0")).isNull();
    assertThat(Ids.tryParse("-5")).isNull();
    assertThat(Ids.tryParse("")).isNull();
    assertThat(Ids.tryParse(null)).isNull();
  }
}
