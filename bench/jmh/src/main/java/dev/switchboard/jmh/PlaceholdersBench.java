package dev.switchboard.jmh;

import dev.switchboard.conversation.Placeholders;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {{field}} rendering runs on every reply and every bot answer. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PlaceholdersBench {

  private final Map<String, String> fields = Map.of("membership", "diamond", "order num", "23425124", "first name", "Ana");
  private final String text = "Hi {{ first name }}, your {{membership}} order {{order num}} ships today. Reply STOP to opt out.";
  private final String plain = "Thanks, an agent will be with you shortly.";

  @Benchmark
  public String renderThreeFields() {
    return Placeholders.render(text, fields);
  }

  @Benchmark
  public String renderNoPlaceholder() {
    return Placeholders.render(plain, fields);
  }
}
