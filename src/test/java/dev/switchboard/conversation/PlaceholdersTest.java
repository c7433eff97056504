package dev.switchboard.conversation;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("The {{field}} renderer")
class PlaceholdersTest {

  static final Map<String, String> FIELDS = Map.of("membership", "diamond", "order num", "23425124", "Name", "Ana");

  @Test
  @DisplayName("replaces each placeholder with the contact's value, by exact name")
  void exact() {
    assertThat(Placeholders.render("You are {{membership}}, order {{order num}}.", FIELDS)).isEqualTo("You are diamond, order 23425124.");
    assertThat(Placeholders.render("{{Name}} {{Name}}", FIELDS)).isEqualTo("Ana Ana");
  }

  @Test
  @DisplayName("tolerates spaces inside the braces")
  void spaces() {
    assertThat(Placeholders.render("{{ membership }}/{{  order num}}", FIELDS)).isEqualTo("diamond/23425124");
  }

  @Test
  @DisplayName("names are case-sensitive: a different case is an unknown field")
  void caseSensitive() {
    assertThatThrownBy(() -> Placeholders.render("{{name}}", FIELDS))
        .isInstanceOf(Placeholders.MissingFieldsException.class)
        .satisfies(e -> assertThat(((Placeholders.MissingFieldsException) e).fields()).containsExactly("name"));
  }

  @Test
  @DisplayName("reports every unknown field by name, once each, in order, and renders nothing half-way")
  void unknown() {
    assertThatThrownBy(() -> Placeholders.render("{{tier}} {{membership}} {{ city }} {{tier}}", FIELDS))
        .isInstanceOf(Placeholders.MissingFieldsException.class)
        .hasMessageContaining("{{tier}}").hasMessageContaining("{{city}}")
        .satisfies(e -> assertThat(((Placeholders.MissingFieldsException) e).fields()).containsExactly("tier", "city"));
  }

  @Test
  @DisplayName("text without placeholders, values with $ and backslashes, and values containing braces pass through literally")
  void literal() {
    assertThat(Placeholders.render("no fields here {single}", FIELDS)).isEqualTo("no fields here {single}");
    assertThat(Placeholders.render(null, FIELDS)).isNull();
    assertThat(Placeholders.render("{{p}}", Map.of("p", "$1 \\o/ {{membership}}"))).isEqualTo("$1 \\o/ {{membership}}");
  }

  @Test
  @DisplayName("lists the names a text uses, trimmed, first use first")
  void names() {
    assertThat(Placeholders.names("{{ b }} {{a}} {{b}}")).containsExactly("b", "a");
    assertThat(Placeholders.names("plain")).isEmpty();
  }

  @Test
  @DisplayName("rename rewrites only the placeholders of that exact name, spaces or not, and keeps $ and \\ in the new name literal")
  void rename() {
    assertThat(Placeholders.rename("{{ order num }} / {{order num}} / {{Order num}} / order num", "order num", "order $1 \\no"))
        .isEqualTo("{{order $1 \\no}} / {{order $1 \\no}} / {{Order num}} / order num");
    String untouched = "{{a}} {{b}}";
    assertThat(Placeholders.rename(untouched, "c", "d")).isSameAs(untouched);
    assertThat(Placeholders.rename(null, "c", "d")).isNull();
  }
}
