namespace ModelRegistry.Platform.Audit;

// Appending to the canonical encoder's reused buffers, which grow by doubling and are never shrunk.
internal static class AuditCanonicalBuffer
{
    public static void Put(ref byte[] buffer, ref int length, ReadOnlySpan<byte> value)
    {
        Grow(ref buffer, length + value.Length);
        value.CopyTo(buffer.AsSpan(length));
        length += value.Length;
    }

    public static void Put(ref byte[] buffer, ref int length, byte value)
    {
        Grow(ref buffer, length + 1);
        buffer[length++] = value;
    }

    public static void Grow(ref byte[] buffer, int needed)
    {
        if (needed <= buffer.Length) return;
        Array.Resize(ref buffer, Math.Max(needed, buffer.Length * 2));
    }
}
