package dev.switchboard.inbox;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Exported customer text cannot run as a spreadsheet formula")
class ExportCellTest {

  @Test
  @DisplayName("cells starting with = + - @ or a control character are prefixed with an apostrophe")
  void formulasAreDefused() {
    assertThat(ExportRoutes.cell("=HYPERLINK(\"http://x\",\"click\")")).isEqualTo("'=HYPERLINK(\"http://x\",\"click\")");
    assertThat(ExportRoutes.cell("+1 415 555 0123")).isEqualTo("'+1 415 555 0123");
    assertThat(ExportRoutes.cell("-2")).isEqualTo("'-2");
    assertThat(ExportRoutes.cell("@SUM(A1)")).isEqualTo("'@SUM(A1)");
    assertThat(ExportRoutes.cell("\tcmd")).isEqualTo("'\tcmd");
  }

  @Test
  @DisplayName("ordinary text, empty and null cells are unchanged")
  void ordinaryTextUnchanged() {
    assertThat(ExportRoutes.cell("Hello = world")).isEqualTo("Hello = world");
    assertThat(ExportRoutes.cell("")).isEmpty();
    assertThat(ExportRoutes.cell(null)).isNull();
  }
}
