package dev.switchboard.jmh;

import dev.switchboard.common.WindowPolicy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/** The reply-window decision runs on every send and every conversation view. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class WindowPolicyBench {

  private final WindowPolicy policy = new WindowPolicy(Duration.ofHours(24), Duration.ofDays(7));
  private final Instant now = Instant.parse("2026-01-10T12:00:00Z");
  private final Instant lastInbound = Instant.parse("2026-01-08T12:00:00Z");

  @Benchmark
  public WindowPolicy.Decision decideMessengerHuman() {
    return policy.decide("messenger", WindowPolicy.Sender.AGENT, lastInbound, now);
  }

  @Benchmark
  public WindowPolicy.View viewWhatsApp() {
    return policy.view("whatsapp", lastInbound, now);
  }
}
