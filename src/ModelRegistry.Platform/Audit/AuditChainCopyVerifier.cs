using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using ModelRegistry.Platform.Audit;
using Npgsql;

namespace ModelRegistry.Platform.Audit;

/// <summary>
/// Verifies <c>registry.audit_log</c> from binary COPYs of it: rows arrive as PostgreSQL's binary tuples and are checked as
/// UTF-8 bytes where they lie (<see cref="AuditChainVerifier.Add(in AuditRecordUtf8)"/>), with no string or object per record.
/// </summary>
/// <remarks>
/// <para>A long log is read in two halves by sequence, over two connections at once: the server's part (mostly printing
/// <c>jsonb</c> as text) is as large as the client's, so two backends and two checking threads use both cores of a small machine.
/// <see cref="AuditChain.Join"/> makes of the two verdicts the one a single walk gives; the tests hold both paths to
/// <see cref="AuditReader.VerifyRowByRowAsync"/>. The log is append-only, so the halves need no common snapshot: the first
/// half's records cannot change, the second may see records committed in between.</para>
/// <para>A bad record does not stop the walk: the verifier lists it and goes on (every fault is reported).</para>
/// </remarks>
internal static class AuditChainCopyVerifier
{
    /// <summary>Below this many records one COPY is used: a second connection costs more than it saves.</summary>
    public const long SplitAbove = 100_000;

    private const string Select =
        "SELECT sequence, recorded_at, actor, action, subject_type, subject, model_name, details::text, previous_hash, hash FROM registry.audit_log";

    private const string Bounds = "SELECT min(sequence), max(sequence) FROM registry.audit_log";

    private const int Columns = 10;
    private const int ChunkSize = 256 * 1024;

    // "PGCOPY\n\377\r\n\0", then 32-bit flags and a 32-bit header extension length.
    private static ReadOnlySpan<byte> Signature => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0];

    // PostgreSQL's timestamps count microseconds from 2000-01-01 UTC.
    private const long PostgresEpochTicks = 630_822_816_000_000_000; // new DateTime(2000, 1, 1).Ticks

    /// <param name="connection">An open connection; a second one like it is opened for the second half.</param>
    /// <param name="split">Read in two halves when the log holds more than this many sequence numbers.</param>
    /// <param name="ct">Stops the walk.</param>
    public static async Task<AuditVerification> VerifyAsync(NpgsqlConnection connection, long split, CancellationToken ct)
    {
        long first = 0, last = 0;
        await using (var bounds = new NpgsqlCommand(Bounds, connection))
        await using (var reader = await bounds.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct) && !await reader.IsDBNullAsync(0, ct)) (first, last) = (reader.GetInt64(0), reader.GetInt64(1));
        }
        if (last - first < Math.Max(split, 1))
        {
            var whole = new Part(new AuditChainVerifier());
            await ReadAsync(connection, $"{Select} ORDER BY sequence", whole, ct);
            return whole.Verifier!.Result;
        }

        var middle = first + (last - first) / 2;
        var head = new Part(new AuditChainVerifier());
        var tail = new Part(null); // starts at its own first record's link; AuditChain.Join checks that link
        await using var second = (NpgsqlConnection)((ICloneable)connection).Clone();
        await second.OpenAsync(ct);
        await Task.WhenAll(
            Task.Run(() => ReadAsync(connection, $"{Select} WHERE sequence <= {middle} ORDER BY sequence", head, ct), ct),
            Task.Run(() => ReadAsync(second, $"{Select} WHERE sequence > {middle} ORDER BY sequence", tail, ct), ct));
        return AuditChain.Join(head.Verifier!.Result, tail.Verifier?.Result, tail.FirstSequence, tail.FirstPreviousHash);
    }

    // One part of the walk: its verifier (made at the first record when it starts from that record's own link).
    private sealed class Part(AuditChainVerifier? verifier)
    {
        public AuditChainVerifier? Verifier { get; set; } = verifier;
        public long FirstSequence { get; set; }
        public string FirstPreviousHash { get; set; } = "";
    }

    private static async Task ReadAsync(NpgsqlConnection connection, string select, Part part, CancellationToken ct)
    {
        await using var copy = await connection.BeginRawBinaryCopyAsync($"COPY ({select}) TO STDOUT (FORMAT BINARY)", ct);
        Check(part, buffer =>
        {
            ct.ThrowIfCancellationRequested();
            var length = 0;
            int read;
            do
            {
                read = copy.Read(buffer[length..]);
                length += read;
            } while (read > 0 && length < buffer.Length);
            return length;
        });
    }

    private delegate int Fill(Span<byte> buffer);

    // Parses rows out of what `fill` reads and checks them, until the trailer.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Check(Part part, Fill fill)
    {
        var work = new byte[ChunkSize];
        int start = 0, end = 0;
        var headerRead = false;
        Span<int> offsets = stackalloc int[Columns];
        Span<int> lengths = stackalloc int[Columns];
        while (true)
        {
            // Move the unparsed part of a row to the front (a row larger than the buffer doubles it) and read after it.
            var tail = end - start;
            if (tail > work.Length / 2) Array.Resize(ref work, work.Length * 2);
            work.AsSpan(start, tail).CopyTo(work);
            start = 0;
            var read = fill(work.AsSpan(tail));
            if (read == 0) throw new InvalidDataException("the audit log's COPY ended without its trailer");
            end = tail + read;

            if (!headerRead)
            {
                var header = ReadHeader(work.AsSpan(0, end));
                if (header < 0) continue;
                start = header;
                headerRead = true;
            }
            while (true)
            {
                var data = work.AsSpan(start, end - start);
                if (data.Length < 2) break;
                var fields = BinaryPrimitives.ReadInt16BigEndian(data);
                if (fields == -1) return; // the trailer: every row was read
                if (fields != Columns) throw new InvalidDataException($"a row of the audit log's COPY has {fields} columns, not {Columns}");
                var at = 2;
                var complete = true;
                for (var c = 0; c < Columns; c++)
                {
                    if (data.Length - at < 4)
                    {
                        complete = false;
                        break;
                    }
                    var size = BinaryPrimitives.ReadInt32BigEndian(data[at..]);
                    at += 4;
                    offsets[c] = at;
                    lengths[c] = size;
                    if (size > 0) at += size;
                    if (at > data.Length)
                    {
                        complete = false;
                        break;
                    }
                }
                if (!complete) break;
                start += at;
                var record = Record(data, offsets, lengths);
                if (part.Verifier is null)
                {
                    part.FirstSequence = record.Sequence;
                    part.FirstPreviousHash = Encoding.UTF8.GetString(record.PreviousHash);
                    part.Verifier = new AuditChainVerifier(Math.Max(0, record.Sequence - 1), part.FirstPreviousHash);
                }
                part.Verifier.Add(record);
            }
        }
    }

    // The header's length, or -1 when it has not all arrived yet.
    private static int ReadHeader(ReadOnlySpan<byte> data)
    {
        if (data.Length < Signature.Length + 8) return -1;
        if (!data.StartsWith(Signature)) throw new InvalidDataException("the audit log's COPY does not start with PostgreSQL's binary signature");
        var extension = BinaryPrimitives.ReadInt32BigEndian(data[(Signature.Length + 4)..]);
        var length = Signature.Length + 8 + extension;
        return data.Length < length ? -1 : length;
    }

    private static AuditRecordUtf8 Record(ReadOnlySpan<byte> row, ReadOnlySpan<int> offsets, ReadOnlySpan<int> lengths)
    {
        for (var c = 0; c < Columns; c++)
        {
            // Only model_name may be null (the table says NOT NULL for the rest).
            if (lengths[c] < 0 && c != 6) throw new InvalidDataException($"column {c + 1} of an audit log row is null");
        }
        if (lengths[0] != 8 || lengths[1] != 8) throw new InvalidDataException("an audit log row's sequence or time is not 8 bytes");
        var micros = BinaryPrimitives.ReadInt64BigEndian(row[offsets[1]..]);
        // ±infinity as Npgsql reads them (DateTime.MaxValue, MinValue); other times beyond DateTime a tick count the verifier
        // refuses as malformed.
        var ticks = micros switch
        {
            long.MaxValue => DateTime.MaxValue.Ticks,
            long.MinValue => DateTime.MinValue.Ticks,
            >= -PostgresEpochTicks / 10 and <= (3_155_378_975_999_999_999 - PostgresEpochTicks) / 10 => PostgresEpochTicks + micros * 10,
            _ => -1,
        };
        return new AuditRecordUtf8
        {
            Sequence = BinaryPrimitives.ReadInt64BigEndian(row[offsets[0]..]),
            RecordedAtUtcTicks = ticks,
            Actor = row.Slice(offsets[2], lengths[2]),
            Action = row.Slice(offsets[3], lengths[3]),
            SubjectType = row.Slice(offsets[4], lengths[4]),
            Subject = row.Slice(offsets[5], lengths[5]),
            HasModelName = lengths[6] >= 0,
            ModelName = lengths[6] >= 0 ? row.Slice(offsets[6], lengths[6]) : default,
            DetailsJson = row.Slice(offsets[7], lengths[7]),
            PreviousHash = row.Slice(offsets[8], lengths[8]),
            Hash = row.Slice(offsets[9], lengths[9]),
        };
    }
}
