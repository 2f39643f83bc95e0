// A pickle virtual machine for the safe subset that `torch.save` emits, written from the opcode
// definitions in CPython's Lib/pickletools.py documentation (protocols 0-5).
//
// Nothing is ever executed: GLOBAL only names a callable, and REDUCE / NEWOBJ hand that name and
// the arguments to the caller's `call` hook, which builds the few objects it knows (ordered
// dicts, tensors) and returns an inert `.opaque` placeholder for anything else. Unknown opcodes
// stop the machine with an error giving the byte and its offset.

/// A mutable Python list, shared by reference like the original (the memo and the stack may both hold it).
final class PickleList {
    /// The items in order.
    var items: [PickleValue] = []
}

/// A mutable Python dict (or OrderedDict), shared by reference; insertion order is kept.
final class PickleDict {
    /// The items in insertion order; a repeated string key replaces the earlier value in place.
    private(set) var items: [(key: PickleValue, value: PickleValue)] = []
    /// Position of each string key in `items`.
    private var stringKeyIndex: [String: Int] = [:]

    /// Sets `value` for `key` (Python `d[key] = value`).
    func set(_ key: PickleValue, _ value: PickleValue) {
        if case .string(let text) = key {
            if let index = stringKeyIndex[text] {
                items[index].value = value
                return
            }
            stringKeyIndex[text] = items.count
        }
        items.append((key, value))
    }

    /// The value under a string key.
    subscript(key: String) -> PickleValue? { stringKeyIndex[key].map { items[$0].value } }
}

/// A value on the pickle machine's stack.
indirect enum PickleValue {
    /// Python `None`.
    case none
    /// `True` / `False`.
    case bool(Bool)
    /// An integer that fits in 64 bits.
    case int(Int)
    /// A float (pickles store doubles).
    case float(Double)
    /// A `str`.
    case string(String)
    /// A `bytes` / `bytearray`.
    case bytes([UInt8])
    /// A tuple.
    case tuple([PickleValue])
    /// A list.
    case list(PickleList)
    /// A dict or OrderedDict.
    case dict(PickleDict)
    /// A reference to a global (`module.name`) pushed by GLOBAL / STACK_GLOBAL, not yet called.
    case global(module: String, name: String)
    /// A torch storage resolved from a persistent id.
    case storage(TorchStorageReference)
    /// A torch tensor: a view into a storage, read later.
    case tensor(TorchTensorReference)
    /// Something this reader does not model (the result of calling an unknown global, a set, an
    /// integer wider than 64 bits); `description` says what it was. Harmless unless it is used.
    case opaque(String)

    /// The kind of value with its article ("a tensor", "an int"), for error messages.
    var kindDescription: String {
        switch self {
        case .none: "None"
        case .bool: "a bool"
        case .int: "an int"
        case .float: "a float"
        case .string: "a str"
        case .bytes: "a bytes object"
        case .tuple: "a tuple"
        case .list: "a list"
        case .dict: "a dict"
        case .global(let module, let name): "a reference to \(module).\(name)"
        case .storage: "a storage"
        case .tensor: "a tensor"
        case .opaque(let description): "an object of unsupported type \(description)"
        }
    }
}

/// Runs a pickle program and returns the object it builds.
struct PickleMachine {
    /// Builds the object for `module.name(*arguments)` (REDUCE, NEWOBJ); `offset` is the opcode's.
    typealias CallHook = (_ module: String, _ name: String, _ arguments: [PickleValue], _ offset: Int) throws(NeuralError) -> PickleValue
    /// Resolves a persistent id (BINPERSID / PERSID) to a value.
    typealias PersistentLoadHook = (_ persistentID: PickleValue, _ offset: Int) throws(NeuralError) -> PickleValue

    /// The program.
    private let program: UnsafeRawBufferPointer
    /// The file, for errors.
    private let path: String
    /// The archive entry holding the program, for errors.
    private let entryName: String
    private let call: CallHook
    private let persistentLoad: PersistentLoadHook

    private var stack: [PickleValue] = []
    private var markPositions: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    private var position = 0

    /// Prepares to run `program` (the bytes of `entryName` in the file at `path`).
    init(
        program: UnsafeRawBufferPointer, path: String, entryName: String,
        call: @escaping CallHook, persistentLoad: @escaping PersistentLoadHook
    ) {
        self.program = program
        self.path = path
        self.entryName = entryName
        self.call = call
        self.persistentLoad = persistentLoad
    }

    /// Runs the program to its STOP opcode and returns the value left on the stack.
    // Stays whole: the interpreter is one `switch` over the opcodes, a short case each, grouped as in
    // pickletools' table; split into groups, every opcode would pass through several functions (and the
    // unknown-opcode error through all of them), and the table would no longer read as one.
    mutating func run() throws(NeuralError) -> PickleValue {
        while true {
            let offset = position
            let opcode = try readByte()
            switch opcode {
            case 0x80: _ = try readByte()  // PROTO n
            case 0x95: _ = try readUnsigned(8)  // FRAME length: frames are only a read-ahead hint
            case 0x2E:  // STOP
                guard markPositions.isEmpty else { throw error(at: offset, "STOP with an unclosed MARK") }
                return try pop(offset)

            // Marks and containers
            case 0x28: markPositions.append(stack.count)  // MARK
            case 0x7D: stack.append(.dict(PickleDict()))  // EMPTY_DICT
            case 0x5D: stack.append(.list(PickleList()))  // EMPTY_LIST
            case 0x29: stack.append(.tuple([]))  // EMPTY_TUPLE
            case 0x74: let items = try popMark(offset); stack.append(.tuple(items))  // TUPLE
            case 0x85: let items = try popCount(1, offset); stack.append(.tuple(items))  // TUPLE1
            case 0x86: let items = try popCount(2, offset); stack.append(.tuple(items))  // TUPLE2
            case 0x87: let items = try popCount(3, offset); stack.append(.tuple(items))  // TUPLE3
            case 0x6C: let items = try popMark(offset); let list = PickleList(); list.items = items; stack.append(.list(list))  // LIST
            case 0x64: let items = try popMark(offset); stack.append(.dict(try makeDict(items, offset)))  // DICT
            case 0x8F: stack.append(.opaque("set"))  // EMPTY_SET
            case 0x90: _ = try popMark(offset)  // ADDITEMS (to a set, modelled as opaque)
            case 0x91: _ = try popMark(offset); stack.append(.opaque("frozenset"))  // FROZENSET
            case 0x61:  // APPEND
                let item = try pop(offset)
                try append([item], offset)
            case 0x65: let items = try popMark(offset); try append(items, offset)  // APPENDS
            case 0x73:  // SETITEM
                let value = try pop(offset)
                let key = try pop(offset)
                try setItems([key, value], offset)
            case 0x75: let items = try popMark(offset); try setItems(items, offset)  // SETITEMS
            case 0x30: _ = try pop(offset)  // POP
            case 0x31: _ = try popMark(offset)  // POP_MARK
            case 0x32: let top = try pop(offset); stack.append(top); stack.append(top)  // DUP

            // Scalars
            case 0x4E: stack.append(.none)  // NONE
            case 0x88: stack.append(.bool(true))  // NEWTRUE
            case 0x89: stack.append(.bool(false))  // NEWFALSE
            case 0x4B: stack.append(.int(Int(try readUnsigned(1))))  // BININT1
            case 0x4D: stack.append(.int(Int(try readUnsigned(2))))  // BININT2
            case 0x4A: stack.append(.int(Int(Int32(truncatingIfNeeded: try readUnsigned(4)))))  // BININT
            case 0x8A: stack.append(try readLong(byteCount: Int(try readUnsigned(1)), offset))  // LONG1
            case 0x8B: stack.append(try readLong(byteCount: try readLength(4, offset), offset))  // LONG4
            case 0x47: stack.append(.float(Double(bitPattern: try readBigEndian64())))  // BINFLOAT
            case 0x49: stack.append(try parseTextInt(try readLine(offset), offset))  // INT (protocol 0)
            case 0x4C: stack.append(try parseTextInt(try readLine(offset), offset))  // LONG (protocol 0)
            case 0x46:  // FLOAT (protocol 0)
                let text = try readLine(offset)
                guard let value = Double(text) else { throw error(at: offset, "FLOAT '\(text)' is not a number") }
                stack.append(.float(value))

            // Strings and bytes
            case 0x58: stack.append(.string(try readText(try readLength(4, offset), offset)))  // BINUNICODE
            case 0x8C: stack.append(.string(try readText(try readLength(1, offset), offset)))  // SHORT_BINUNICODE
            case 0x8D: stack.append(.string(try readText(try readLength(8, offset), offset)))  // BINUNICODE8
            case 0x55: stack.append(.string(try readLatin1(try readLength(1, offset), offset)))  // SHORT_BINSTRING
            case 0x54: stack.append(.string(try readLatin1(try readLength(4, offset), offset)))  // BINSTRING
            case 0x43: stack.append(.bytes(try readBytes(try readLength(1, offset), offset)))  // SHORT_BINBYTES
            case 0x42: stack.append(.bytes(try readBytes(try readLength(4, offset), offset)))  // BINBYTES
            case 0x8E: stack.append(.bytes(try readBytes(try readLength(8, offset), offset)))  // BINBYTES8
            case 0x96: stack.append(.bytes(try readBytes(try readLength(8, offset), offset)))  // BYTEARRAY8
            case 0x56: stack.append(.string(try readLine(offset)))  // UNICODE (protocol 0, raw-unicode-escape; ASCII assumed)

            // Memo
            case 0x71: try put(Int(try readUnsigned(1)), offset)  // BINPUT
            case 0x72: try put(Int(try readUnsigned(4)), offset)  // LONG_BINPUT
            case 0x94: try put(memo.count, offset)  // MEMOIZE
            case 0x70: try put(try parseIndex(try readLine(offset), offset), offset)  // PUT
            case 0x68: try get(Int(try readUnsigned(1)), offset)  // BINGET
            case 0x6A: try get(Int(try readUnsigned(4)), offset)  // LONG_BINGET
            case 0x67: try get(try parseIndex(try readLine(offset), offset), offset)  // GET

            // Globals, calls, objects
            case 0x63:  // GLOBAL "module\nname\n"
                let module = try readLine(offset)
                let name = try readLine(offset)
                stack.append(.global(module: module, name: name))
            case 0x93:  // STACK_GLOBAL
                let name = try pop(offset)
                let module = try pop(offset)
                guard case .string(let moduleText) = module, case .string(let nameText) = name else {
                    throw error(at: offset, "STACK_GLOBAL needs two strings, got \(module.kindDescription) and \(name.kindDescription)")
                }
                stack.append(.global(module: moduleText, name: nameText))
            case 0x52:  // REDUCE callable(*args)
                let arguments = try pop(offset)
                let callable = try pop(offset)
                stack.append(try invoke(callable, arguments, offset))
            case 0x81:  // NEWOBJ cls.__new__(cls, *args)
                let arguments = try pop(offset)
                let type = try pop(offset)
                stack.append(try invoke(type, arguments, offset))
            case 0x92:  // NEWOBJ_EX cls.__new__(cls, *args, **kwargs)
                _ = try pop(offset)
                let arguments = try pop(offset)
                let type = try pop(offset)
                stack.append(try invoke(type, arguments, offset))
            case 0x62:  // BUILD: set state; attributes are not modelled (e.g. a state_dict's _metadata)
                _ = try pop(offset)
                let object = try pop(offset)
                switch object {
                case .dict, .tensor, .opaque, .list: stack.append(object)
                default: throw error(at: offset, "BUILD on \(object.kindDescription), which has no state to set")
                }
            case 0x51:  // BINPERSID
                let persistentID = try pop(offset)
                stack.append(try persistentLoad(persistentID, offset))
            case 0x50:  // PERSID (protocol 0)
                stack.append(try persistentLoad(.string(try readLine(offset)), offset))

            default:
                let hex = String(opcode, radix: 16, uppercase: true)
                throw NeuralError(
                    .unsupported,
                    "pickle opcode 0x\(hex) at offset \(offset) of '\(entryName)' is not supported by this reader "
                        + "(it reads the subset torch.save emits)",
                    path: path)
            }
        }
    }

    // MARK: - Stack

    private mutating func pop(_ offset: Int) throws(NeuralError) -> PickleValue {
        if let floor = markPositions.last, stack.count <= floor {
            throw error(at: offset, "the opcode needs a value but the stack is empty above the last MARK")
        }
        guard let value = stack.popLast() else { throw error(at: offset, "the opcode needs a value but the stack is empty") }
        return value
    }

    private mutating func popCount(_ count: Int, _ offset: Int) throws(NeuralError) -> [PickleValue] {
        let floor = markPositions.last ?? 0
        guard stack.count - floor >= count else {
            throw error(at: offset, "the opcode needs \(count) values but the stack holds \(stack.count - floor)")
        }
        let values = Array(stack[(stack.count - count)...])
        stack.removeLast(count)
        return values
    }

    private mutating func popMark(_ offset: Int) throws(NeuralError) -> [PickleValue] {
        guard let mark = markPositions.popLast() else { throw error(at: offset, "the opcode needs a MARK but none is open") }
        let values = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return values
    }

    private func append(_ items: [PickleValue], _ offset: Int) throws(NeuralError) {
        guard let target = stack.last else { throw error(at: offset, "APPEND with no list on the stack") }
        switch target {
        case .list(let list): list.items.append(contentsOf: items)
        case .opaque: break
        default: throw error(at: offset, "APPEND to \(target.kindDescription); expected a list")
        }
    }

    private func setItems(_ keysAndValues: [PickleValue], _ offset: Int) throws(NeuralError) {
        guard let target = stack.last else { throw error(at: offset, "SETITEM with no dict on the stack") }
        guard keysAndValues.count % 2 == 0 else {
            throw error(at: offset, "SETITEMS with an odd number (\(keysAndValues.count)) of keys and values")
        }
        switch target {
        case .dict(let dict):
            for index in stride(from: 0, to: keysAndValues.count, by: 2) { dict.set(keysAndValues[index], keysAndValues[index + 1]) }
        case .opaque: break
        default: throw error(at: offset, "SETITEM on \(target.kindDescription); expected a dict")
        }
    }

    private func makeDict(_ keysAndValues: [PickleValue], _ offset: Int) throws(NeuralError) -> PickleDict {
        guard keysAndValues.count % 2 == 0 else {
            throw error(at: offset, "DICT with an odd number (\(keysAndValues.count)) of keys and values")
        }
        let dict = PickleDict()
        for index in stride(from: 0, to: keysAndValues.count, by: 2) { dict.set(keysAndValues[index], keysAndValues[index + 1]) }
        return dict
    }

    private func invoke(_ callable: PickleValue, _ arguments: PickleValue, _ offset: Int) throws(NeuralError) -> PickleValue {
        guard case .global(let module, let name) = callable else {
            throw error(at: offset, "call of \(callable.kindDescription); expected a global reference")
        }
        guard case .tuple(let values) = arguments else {
            throw error(at: offset, "call of \(module).\(name) with \(arguments.kindDescription) of arguments; expected a tuple")
        }
        return try call(module, name, values, offset)
    }

    private mutating func put(_ index: Int, _ offset: Int) throws(NeuralError) {
        guard let top = stack.last, markPositions.last.map({ stack.count > $0 }) ?? true else {
            throw error(at: offset, "memo store with an empty stack")
        }
        memo[index] = top
    }

    private mutating func get(_ index: Int, _ offset: Int) throws(NeuralError) {
        guard let value = memo[index] else { throw error(at: offset, "memo entry \(index) is read before it is stored") }
        stack.append(value)
    }

    // MARK: - Reading the program

    private mutating func readByte() throws(NeuralError) -> UInt8 {
        guard position < program.count else { throw error(at: position, "the pickle ends without a STOP opcode") }
        defer { position += 1 }
        return program[position]
    }

    private mutating func readUnsigned(_ width: Int) throws(NeuralError) -> UInt64 {
        var cursor = ZipByteCursor(bytes: program, offset: position)
        guard let value = cursor.readUnsigned(width) else { throw error(at: position, "the pickle ends inside an opcode's argument") }
        position = cursor.offset
        return value
    }

    private mutating func readBigEndian64() throws(NeuralError) -> UInt64 {
        let littleEndian = try readUnsigned(8)
        return littleEndian.byteSwapped
    }

    private mutating func readLength(_ width: Int, _ offset: Int) throws(NeuralError) -> Int {
        let value = try readUnsigned(width)
        guard value <= UInt64(program.count - position) else {
            throw error(at: offset, "an argument of \(value) bytes runs past the end of the pickle")
        }
        return Int(value)
    }

    private mutating func readBytes(_ count: Int, _ offset: Int) throws(NeuralError) -> [UInt8] {
        guard count <= program.count - position else {
            throw error(at: offset, "an argument of \(count) bytes runs past the end of the pickle")
        }
        defer { position += count }
        return Array(program[position..<(position + count)])
    }

    private mutating func readText(_ count: Int, _ offset: Int) throws(NeuralError) -> String {
        String(decoding: try readBytes(count, offset), as: UTF8.self)
    }

    private mutating func readLatin1(_ count: Int, _ offset: Int) throws(NeuralError) -> String {
        String(String.UnicodeScalarView(try readBytes(count, offset).map { Unicode.Scalar($0) }))
    }

    private mutating func readLine(_ offset: Int) throws(NeuralError) -> String {
        var end = position
        while end < program.count, program[end] != 0x0A { end += 1 }
        guard end < program.count else { throw error(at: offset, "a text argument has no terminating newline") }
        defer { position = end + 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: program[position..<end]), as: UTF8.self)
    }

    /// LONG1 / LONG4: two's-complement little-endian integer of `byteCount` bytes.
    private mutating func readLong(byteCount: Int, _ offset: Int) throws(NeuralError) -> PickleValue {
        let bytes = try readBytes(byteCount, offset)
        guard byteCount <= 8 else { return .opaque("int of \(byteCount) bytes (wider than 64 bits)") }
        guard let last = bytes.last else { return .int(0) }
        var value: UInt64 = last & 0x80 != 0 ? ~0 : 0
        for byte in bytes.reversed() { value = value << 8 | UInt64(byte) }
        return .int(Int(Int64(bitPattern: value)))
    }

    private func parseTextInt(_ text: String, _ offset: Int) throws(NeuralError) -> PickleValue {
        switch text {
        case "01": return .bool(true)
        case "00": return .bool(false)
        default:
            let digits = text.hasSuffix("L") ? String(text.dropLast()) : text
            guard let value = Int(digits) else { return .opaque("int '\(text)' (wider than 64 bits)") }
            return .int(value)
        }
    }

    private func parseIndex(_ text: String, _ offset: Int) throws(NeuralError) -> Int {
        guard let value = Int(text), value >= 0 else { throw error(at: offset, "memo index '\(text)' is not a non-negative integer") }
        return value
    }

    private func error(at offset: Int, _ message: String) -> NeuralError {
        NeuralError(.malformed, "pickle '\(entryName)', offset \(offset): \(message)", path: path)
    }
}
