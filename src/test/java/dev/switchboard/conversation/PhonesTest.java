package dev.switchboard.conversation;

import dev.switchboard.common.Phones;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Phone numbers become WhatsApp wa_id digits")
class PhonesTest {

  @Test
  @DisplayName("common formattings with a country code normalise to E.164 digits without the plus")
  void formats() {
    assertThat(Phones.normalize("+1 (415) 555-0123")).isEqualTo("14155550123");
    assertThat(Phones.normalize("14155550123")).isEqualTo("14155550123");
    assertThat(Phones.normalize("0044 20 7946 0958")).isEqualTo("442079460958");
    assertThat(Phones.normalize("+49-30-1234567")).isEqualTo("49301234567");
    assertThat(Phones.normalize(" +55.11.98765.4321 ")).isEqualTo("5511987654321");
  }

  @Test
  @DisplayName("text, too few or too many digits, or a national number without country code are refused")
  void refused() {
    assertThat(Phones.normalize("call me")).isNull();
    assertThat(Phones.normalize("555-0123")).isNull();
    assertThat(Phones.normalize("+1234567890123456")).isNull();
    assertThat(Phones.normalize("030 1234567")).isNull();
    assertThat(Phones.normalize("+1 415 555 0123 ext 5")).isNull();
    assertThat(Phones.normalize("")).isNull();
    assertThat(Phones.normalize(null)).isNull();
  }

  @Test
  @DisplayName("a new contact's number needs its country code marked by + or 00")
  void withCountryCode() {
    assertThat(Phones.withCountryCode("+1 415 555 0999")).isEqualTo("14155550999");
    assertThat(Phones.withCountryCode(" 0044 20 7946 0958")).isEqualTo("442079460958");
    assertThat(Phones.withCountryCode("4155550999")).isNull();
    assertThat(Phones.withCountryCode("14155550999")).isNull();
    assertThat(Phones.withCountryCode("+0 415")).isNull();
    assertThat(Phones.withCountryCode(null)).isNull();
    // the refusal says what is wrong: a number with its + is not told it lacks its country code
    assertThat(Phones.refusal("+999 123")).isEqualTo(Phones.NOT_A_NUMBER_HINT);
    assertThat(Phones.refusal("0049 15x")).isEqualTo(Phones.NOT_A_NUMBER_HINT);
    assertThat(Phones.refusal("4155550999")).isEqualTo(Phones.COUNTRY_CODE_HINT);
    assertThat(Phones.refusal(null)).isEqualTo(Phones.COUNTRY_CODE_HINT);
  }

  @Test
  @DisplayName("search reads digits with phone punctuation as a phone number, anything else as a name or id")
  void looksLikePhone() {
    assertThat(Phones.looksLikePhone("+55 (11) 98765-4321")).isTrue();
    assertThat(Phones.looksLikePhone("7423918830164025")).isTrue();
    assertThat(Phones.looksLikePhone("jose")).isFalse();
    assertThat(Phones.looksLikePhone("12")).isFalse();
    assertThat(Phones.looksLikePhone("mina.okafor")).isFalse();
  }
}
