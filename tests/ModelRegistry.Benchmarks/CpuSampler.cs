namespace ModelRegistry.Benchmarks;

/// <summary>
/// Where a timed phase's CPU went, from /proc: the host process, PostgreSQL (every <c>postgres</c> process), RabbitMQ
/// (<c>beam.smp</c>), this benchmark process, the rest of the machine, and how much of both cores stayed idle.
/// </summary>
internal sealed class CpuSampler
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    private readonly int hostPid;
    private readonly Snapshot start;

    private CpuSampler(int hostPid)
    {
        this.hostPid = hostPid;
        start = Take(hostPid);
    }

    public static CpuSampler Start(int hostPid) => new(hostPid);

    /// <summary>One line: milliseconds of CPU per unit of work for each part, and the idle share of the machine.</summary>
    public string Report(int units, string unit)
    {
        var end = Take(hostPid);
        double Ms(long ticks) => ticks / TicksPerSecond * 1000 / units;
        var host = end.Host - start.Host;
        var postgres = end.Postgres - start.Postgres;
        var rabbit = end.Rabbit - start.Rabbit;
        var self = end.Self - start.Self;
        var busy = end.Busy - start.Busy;
        var idle = end.Idle - start.Idle;
        var ioWait = end.IoWait - start.IoWait;
        var other = busy - host - postgres - rabbit - self;
        return $"CPU per {unit}: host {Ms(host):F2} ms, postgres {Ms(postgres):F2}, rabbitmq {Ms(rabbit):F2}, benchmark {Ms(self):F2}, " +
               $"other {Ms(other):F2} | idle {100.0 * idle / Math.Max(1, busy + idle):F0}% of {Environment.ProcessorCount} cores " +
               $"(iowait {100.0 * ioWait / Math.Max(1, busy + idle):F0}%)";
    }

    private sealed record Snapshot(long Host, long Postgres, long Rabbit, long Self, long Busy, long Idle, long IoWait);

    private static Snapshot Take(int hostPid)
    {
        long postgres = 0, rabbit = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (!int.TryParse(name, out var pid)) continue;
            var (comm, ticks) = ProcessTicks(pid);
            if (comm == "postgres") postgres += ticks;
            else if (comm == "beam.smp") rabbit += ticks;
        }
        var (busy, idle, ioWait) = MachineTicks();
        return new Snapshot(ProcessTicks(hostPid).Ticks, postgres, rabbit, ProcessTicks(Environment.ProcessId).Ticks, busy, idle, ioWait);
    }

    /// <summary>utime + stime of a process (all its threads), or 0 when it is gone.</summary>
    private static (string Comm, long Ticks) ProcessTicks(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return ("", 0);
        }
        catch (UnauthorizedAccessException)
        {
            return ("", 0);
        }
        // comm is in parentheses and may hold spaces; the fields after it are space-separated.
        var open = stat.IndexOf('(');
        var close = stat.LastIndexOf(')');
        if (open < 0 || close < open) return ("", 0);
        var fields = stat[(close + 2)..].Split(' ');
        // fields[0] is state (field 3); utime and stime are fields 14 and 15.
        return (stat[(open + 1)..close], long.Parse(fields[11]) + long.Parse(fields[12]));
    }

    /// <summary>Busy and idle ticks of the machine; idle includes iowait (idle while a disk request is outstanding).</summary>
    private static (long Busy, long Idle, long IoWait) MachineTicks()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        // user nice system idle iowait irq softirq steal ...
        var idle = cpu[3] + cpu[4];
        var busy = cpu.Take(8).Sum() - idle;
        return (busy, idle, cpu[4]);
    }
}
