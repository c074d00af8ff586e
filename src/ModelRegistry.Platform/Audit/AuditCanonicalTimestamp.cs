namespace ModelRegistry.Platform.Audit;

// AuditChain.TimestampFormat, written by hand: the general formatter is a noticeable share of verifying a record.
internal static class AuditCanonicalTimestamp
{
    // Ticks below a microsecond are dropped, never rounded, as AuditChain.Truncate does; returns the byte count (27).
    public static int Write(DateTime utc, Span<byte> output)
    {
        var micros = (int)(utc.Ticks % TimeSpan.TicksPerSecond / 10);
        Digits(output[..4], utc.Year);
        output[4] = (byte)'-';
        Digits(output.Slice(5, 2), utc.Month);
        output[7] = (byte)'-';
        Digits(output.Slice(8, 2), utc.Day);
        output[10] = (byte)'T';
        Digits(output.Slice(11, 2), utc.Hour);
        output[13] = (byte)':';
        Digits(output.Slice(14, 2), utc.Minute);
        output[16] = (byte)':';
        Digits(output.Slice(17, 2), utc.Second);
        output[19] = (byte)'.';
        Digits(output.Slice(20, 6), micros);
        output[26] = (byte)'Z';
        return 27;
    }

    private static void Digits(Span<byte> output, int value)
    {
        for (var i = output.Length - 1; i >= 0; i--, value /= 10) output[i] = (byte)('0' + value % 10);
    }
}
