//=============================================================================
//  Harmonize melody: a MuseScore plugin of harmonizer (https://pypi.org/project/harmonizer)
//
//  Gives the melody of the open score its chord symbols, in place:
//    1. takes the melody staff: the staff of the selection (a range, or the
//       first selected element), else the first staff that holds a note;
//    2. walks its four voices with a cursor and collects the notes (the top
//       note of each chord), their ticks (MuseScore's division, 480 to the
//       quarter note), the time signatures, the pickup and the key signature;
//    3. writes them as harmonizer's JSON contract to a temporary file and runs
//         harmonize-midi --melody-json IN --chords-json OUT
//       (else `python3 -m harmonizer ...`, else `python3 -m harmonizer.json_contract ...`);
//       the run succeeded when OUT exists (MuseScore 3 cannot read exit codes);
//    4. adds a chord symbol (Harmony) on that staff wherever the chord changes,
//       as one undoable command.
//
//  Works in MuseScore 3.2 and later 3.x (QProcess.start(command)) and is
//  written for MuseScore Studio 4.4 and later (QProcess.startWithArgs, the
//  "//4.4" header lines); which API exists is detected at run time.
//  Plain ECMAScript 5 on purpose: MuseScore 3.x builds run old Qt versions.
//
//  Headless use (continuous integration, batch jobs):
//      HARMONIZER_PLUGIN_OUT=/path/out.musicxml \
//      QT_QPA_PLATFORM=offscreen mscore3 -p /path/harmonize.qml melody.musicxml
//  When the environment variable HARMONIZER_PLUGIN_OUT is set, the plugin
//  saves the harmonized score there with writeScore() (the suffix picks the
//  format: .musicxml, .mxl, .mscz or .mscx), leaves the exchange files beside
//  it (OUT.melody.json, OUT.chords.json), shows no message box and calls
//  Qt.quit(). MuseScore 4 does not implement writeScore() in every release
//  and has no `-p` option, so headless runs need MuseScore 3.
//
//  Settings: the properties below marked "setting" (edit this file to change).
//=============================================================================

import QtQuick 2.0
import MuseScore 3.0
import FileIO 3.0

MuseScore {
    id: harmonizer
    menuPath: "Plugins.Harmonizer.Harmonize Melody"
    description: "Adds chord symbols to the melody of the score, chosen by harmonizer " +
                 "(a model learned from real harmonized music). Needs harmonizer installed: " +
                 "pip install the harmonizer repository (pip install /path/to/harmonizer)."
    version: "0.1.0"
    requiresScore: true

    //4.4 title: "Harmonize Melody"
    //4.4 thumbnailName: "harmonize.png"
    //4.4 categoryCode: "composing-arranging-tools"

    // setting: "classical" (Bach chorales), "folk" (Nottingham folk tunes), "pop" (POP909),
    // "jazz" (OpenEWLD lead sheets) or "blues" (jazz with the 12-bar blues forms)
    property string harmonizerStyle: "classical"
    // setting: how often chords may change: "auto", "bar", "half" or "beat"
    property string harmonicRhythm: "auto"
    // setting: a key to impose, e.g. "D minor"; "" lets harmonizer find the key
    property string forcedKey: ""
    // setting: the command to run first, as a list, when MuseScore does not see
    // harmonize-midi on its PATH (macOS apps never see your shell's PATH), e.g.
    //   ["/Users/me/.venv/bin/harmonize-midi"]  or  ["C:/Python311/python.exe", "-m", "harmonizer"]
    property var harmonizerCommand: []
    // setting: remove the chord symbols already on the melody staff first
    // (MuseScore 3.3 and later; older versions keep them and add none where one exists)
    property bool replaceChordSymbols: true
    // setting: how long one harmonizer run may take, in milliseconds
    property int timeoutMs: 120000
    // setting: keep the temporary JSON files (for debugging)
    property bool keepTemporaryFiles: false

    property string outputPath: ""
    property var attempts: []
    property string harmonizerError: ""

    FileIO { id: melodyFile }
    FileIO { id: chordsFile }
    FileIO { id: probeFile }
    FileIO { id: errorFile }
    QProcess { id: process }

    Component.onCompleted: {
        // MuseScore 4.0-4.3 read these properties; 4.4+ reads the //4.4 lines; 3.x has neither.
        if (mscoreMajorVersion == 4 && mscoreMinorVersion <= 3) {
            harmonizer.title = "Harmonize Melody";
            harmonizer.thumbnailName = "harmonize.png";
            harmonizer.categoryCode = "composing-arranging-tools";
        }
    }

    // ---------------------------------------------------------------- helpers

    function log(message) {
        console.log("harmonizer: " + message);
    }

    function isWindows() {
        return Qt.platform.os === "windows";
    }

    // Text of a QByteArray: a string in MuseScore 3 (Qt 5), an ArrayBuffer in MuseScore 4 (Qt 6).
    function bytesToText(value) {
        if (value === undefined || value === null)
            return "";
        if (typeof value === "string")
            return value;
        if (value.byteLength !== undefined) {
            var bytes = new Uint8Array(value);
            var text = "";
            for (var i = 0; i < bytes.length; i++)
                text += String.fromCharCode(bytes[i]);
            try {
                return decodeURIComponent(escape(text));  // UTF-8
            } catch (error) {
                return text;
            }
        }
        return String(value);
    }

    // Qt 5's QProcess::start(command) splits on spaces; quotes group, """ is a literal quote.
    function quoteArgument(argument) {
        if (argument.length > 0 && !/[\s"]/.test(argument))
            return argument;
        return "\"" + argument.replace(/"/g, "\"\"\"") + "\"";
    }

    function startProcess(program, args) {
        if (typeof process.startWithArgs === "function") {
            process.startWithArgs(program, args);           // MuseScore 4.3+
        } else {
            var words = [quoteArgument(program)];
            for (var i = 0; i < args.length; i++)
                words.push(quoteArgument(args[i]));
            process.start(words.join(" "));                 // MuseScore 3.2+
        }
        var finished = process.waitForFinished(timeoutMs);
        if (!finished && typeof process.kill === "function") {
            process.kill();                                 // a timeout, or it never started
            process.waitForFinished(5000);
        }
        return finished;
    }

    // QML cannot read the environment; ask a child process.
    function environmentVariable(name) {
        var value;
        if (isWindows()) {
            startProcess("cmd", ["/c", "echo", "%" + name + "%"]);
            value = bytesToText(process.readAllStandardOutput()).replace(/[\r\n]+$/, "");
            if (value === "%" + name + "%")
                value = "";
        } else {
            startProcess("printenv", [name]);
            value = bytesToText(process.readAllStandardOutput()).replace(/\n$/, "");
        }
        return value;
    }

    function report(message, isError) {
        log(message);
        if (outputPath !== "")
            return;                                         // headless: no message box
        try {
            if (typeof api !== "undefined" && api && api.interactive) {
                if (isError)
                    api.interactive.error("Harmonize Melody", message);
                else
                    api.interactive.info("Harmonize Melody", message);
                return;
            }
        } catch (error) {
        }
        try {
            var box = Qt.createQmlObject(
                "import QtQuick 2.0; import QtQuick.Dialogs 1.2; MessageDialog { title: 'Harmonize Melody' }",
                harmonizer, "harmonizerMessage");
            box.text = message;
            box.open();
        } catch (error) {
            // MuseScore 4 without QtQuick.Dialogs: the log line above is all we can do.
        }
    }

    // ------------------------------------------------------- reading the score

    function staffHasNotes(staff) {
        var cursor = curScore.newCursor();
        for (var voice = 0; voice < 4; voice++) {
            cursor.staffIdx = staff;
            cursor.voice = voice;
            cursor.rewind(0);
            while (cursor.segment) {
                if (cursor.element && cursor.element.type === Element.CHORD)
                    return true;
                cursor.next();
            }
        }
        return false;
    }

    function melodyStaff() {
        var cursor = curScore.newCursor();
        cursor.rewind(1);                                   // SELECTION_START: only a range selection
        if (cursor.segment)
            return cursor.staffIdx;
        var selection = curScore.selection;
        if (selection && selection.elements && selection.elements.length > 0) {
            var track = selection.elements[0].track;
            if (track !== undefined && track >= 0)
                return Math.floor(track / 4);
        }
        for (var staff = 0; staff < curScore.nstaves; staff++) {
            if (staffHasNotes(staff))
                return staff;
        }
        return -1;
    }

    function measureEnd(measure) {
        if (measure.nextMeasure)
            return measure.nextMeasure.firstSegment.tick;
        return measure.lastSegment.tick;
    }

    // Notes of the four voices of `staff`: the top note of each chord, cut at the
    // next chord or rest of the voice and at the end of its bar; tied notes joined.
    function collectNotes(staff) {
        var notes = [];
        var cursor = curScore.newCursor();
        for (var voice = 0; voice < 4; voice++) {
            cursor.staffIdx = staff;
            cursor.voice = voice;
            cursor.rewind(0);
            var previous = null;                            // last note of this voice, still open
            while (cursor.segment) {
                var element = cursor.element;
                var tick = cursor.tick;
                if (previous !== null && previous.end > tick)
                    previous.end = tick;
                if (element && element.type === Element.CHORD) {
                    var top = element.notes[0];
                    for (var i = 1; i < element.notes.length; i++) {
                        if (element.notes[i].pitch > top.pitch)
                            top = element.notes[i];
                    }
                    var end = measureEnd(cursor.measure);
                    if (element.actualDuration)         // 3.5+, includes tuplets
                        end = Math.min(end, tick + element.actualDuration.ticks);
                    else if (!element.tuplet)
                        end = Math.min(end, tick + element.duration.ticks);
                    if (previous !== null && top.tieBack && previous.pitch === top.pitch && previous.end === tick) {
                        previous.end = end;                 // a tie continues the note
                    } else {
                        previous = { tick: tick, end: end, pitch: top.pitch };
                        notes.push(previous);
                    }
                } else {
                    previous = null;                        // a rest
                }
                cursor.next();
            }
        }
        var result = [];
        for (var n = 0; n < notes.length; n++) {
            if (notes[n].end > notes[n].tick)
                result.push({ tick: notes[n].tick, duration: notes[n].end - notes[n].tick, pitch: notes[n].pitch });
        }
        result.sort(function (a, b) { return a.tick - b.tick || b.pitch - a.pitch; });
        return result;
    }

    function isPowerOfTwo(value) {
        return value >= 1 && value <= 128 && (value & (value - 1)) === 0;
    }

    // Time signatures and pickup. A bar shorter or longer than its time signature
    // (other than a pickup) becomes a change to its real length and a change back.
    function collectMeter() {
        var signatures = [];
        var pickup = 0;
        var measure = curScore.firstMeasure;
        var first = true;
        while (measure) {
            var tick = measure.firstSegment.tick;
            var nominal = measure.timesigNominal;
            var actual = measure.timesigActual;
            var wanted = { tick: tick, numerator: nominal.numerator, denominator: nominal.denominator };
            if (first && actual.ticks < nominal.ticks) {
                pickup = actual.ticks;
            } else if (!first && actual.ticks !== nominal.ticks && isPowerOfTwo(actual.denominator)) {
                wanted = { tick: tick, numerator: actual.numerator, denominator: actual.denominator };
            }
            var last = signatures.length > 0 ? signatures[signatures.length - 1] : null;
            var irregular = wanted.numerator !== nominal.numerator || wanted.denominator !== nominal.denominator;
            if (last === null || irregular || last.irregular ||
                    last.numerator !== wanted.numerator || last.denominator !== wanted.denominator) {
                if (isPowerOfTwo(wanted.denominator) && wanted.numerator >= 1 && wanted.numerator <= 255) {
                    wanted.irregular = irregular;
                    signatures.push(wanted);
                }
            }
            first = false;
            measure = measure.nextMeasure;
        }
        var plain = [];
        for (var i = 0; i < signatures.length; i++)
            plain.push({ tick: signatures[i].tick, numerator: signatures[i].numerator,
                         denominator: signatures[i].denominator });
        if (plain.length === 0 || plain[0].tick !== 0)
            plain.unshift({ tick: 0, numerator: 4, denominator: 4 });
        return { time_signatures: plain, pickup_ticks: pickup };
    }

    function collectKeySignature(staff) {
        var cursor = curScore.newCursor();
        cursor.staffIdx = staff;
        cursor.voice = 0;
        cursor.rewind(0);
        var fifths = cursor.keySignature;
        if (fifths === undefined || fifths < -7 || fifths > 7)
            return null;                                    // atonal or custom key signature
        return { fifths: fifths };                          // the mode is not in the plugin API
    }

    // ------------------------------------------------------ running harmonizer

    function commandCandidates() {
        var candidates = [];
        if (harmonizerCommand && harmonizerCommand.length > 0)
            candidates.push(harmonizerCommand);
        candidates.push(["harmonize-midi"]);
        var pythons = isWindows() ? ["py", "python"] : ["python3", "python"];
        for (var i = 0; i < pythons.length; i++) {
            candidates.push([pythons[i], "-m", "harmonizer"]);
            candidates.push([pythons[i], "-m", "harmonizer.json_contract"]);
        }
        return candidates;
    }

    // Runs the first command that writes chordsPath; returns the command line or "".  A command
    // that ran harmonizer and failed writes its one-line error to errorPath (the plugin API's
    // process object cannot read stderr): then harmonizerError holds it and no other is tried.
    function runHarmonizer(melodyPath, chordsPath, errorPath) {
        var options = ["--melody-json", melodyPath, "--chords-json", chordsPath,
                       "--style", harmonizerStyle, "--harmonic-rhythm", harmonicRhythm,
                       "--error-file", errorPath];
        if (forcedKey !== "")
            options = options.concat(["--key", forcedKey]);
        var candidates = commandCandidates();
        attempts = [];
        for (var i = 0; i < candidates.length; i++) {
            var program = candidates[i][0];
            var args = candidates[i].slice(1).concat(options);
            chordsFile.source = chordsPath;
            if (chordsFile.exists())
                chordsFile.remove();
            errorFile.source = errorPath;
            if (errorFile.exists())
                errorFile.remove();
            var finished = startProcess(program, args);
            var line = program + " " + args.join(" ");
            if (chordsFile.exists())
                return line;
            if (errorFile.exists()) {
                // "harmonize-midi: error: FILE: what is wrong": the part after the program's name.
                harmonizerError = errorFile.read().replace(/\s+$/, "").replace(/^[^:]*: (internal )?error: /, "");
                errorFile.remove();
                log("failed: " + line + ": " + harmonizerError);
                return "";
            }
            attempts.push(line + (finished ? " (no output)" : " (did not start or timed out)"));
            log("tried: " + attempts[attempts.length - 1]);
        }
        return "";
    }

    // --------------------------------------------------------- writing chords

    function removeChordSymbols(staff) {
        if (typeof removeElement !== "function")
            return 0;                                       // MuseScore 3.2: no way to remove
        var doomed = [];
        var segment = curScore.firstSegment();
        while (segment) {
            var annotations = segment.annotations;
            for (var i = 0; annotations && i < annotations.length; i++) {
                var element = annotations[i];
                if (element.type === Element.HARMONY && Math.floor(element.track / 4) === staff)
                    doomed.push(element);
            }
            segment = segment.next;
        }
        for (var j = 0; j < doomed.length; j++)
            removeElement(doomed[j]);
        return doomed.length;
    }

    function hasChordSymbol(segment, staff) {
        var annotations = segment.annotations;
        for (var i = 0; annotations && i < annotations.length; i++) {
            if (annotations[i].type === Element.HARMONY && Math.floor(annotations[i].track / 4) === staff)
                return true;
        }
        return false;
    }

    // One symbol where the chord changes, on the first note or rest of the staff
    // (any voice) inside the chord's span; returns [placed, unplaceable].
    function addChordSymbols(staff, chords) {
        var cursors = [];
        for (var voice = 0; voice < 4; voice++) {
            var cursor = curScore.newCursor();
            cursor.staffIdx = staff;
            cursor.voice = voice;
            cursor.rewind(0);
            cursors.push(cursor);
        }
        var placed = 0, unplaceable = 0, previous = null;
        for (var i = 0; i < chords.length; i++) {
            var chord = chords[i];
            if (chord.symbol === previous)
                continue;
            var best = null;
            for (var v = 0; v < 4; v++) {
                var c = cursors[v];
                while (c.segment && c.tick < chord.tick)
                    c.next();
                if (c.segment && c.tick < chord.tick + chord.duration && (best === null || c.tick < best.tick))
                    best = c;
            }
            if (best === null || hasChordSymbol(best.segment, staff)) {
                unplaceable++;                              // a note sounds through the whole chord
                continue;
            }
            var harmony = newElement(Element.HARMONY);
            harmony.text = chord.symbol;
            best.add(harmony);
            placed++;
            previous = chord.symbol;
        }
        return [placed, unplaceable];
    }

    function formatFor(path) {
        var match = /\.([A-Za-z]+)$/.exec(path);
        var suffix = match ? match[1].toLowerCase() : "";
        if (suffix === "musicxml" || suffix === "mxl" || suffix === "mscz" || suffix === "mscx")
            return suffix;
        return "";
    }

    // ------------------------------------------------------------------- run

    function harmonize() {
        var staff = melodyStaff();
        if (staff < 0)
            return "The score has no notes to harmonize.";
        var notes = collectNotes(staff);
        if (notes.length === 0)
            return "Staff " + (staff + 1) + " has no notes to harmonize; select the melody staff.";
        var meter = collectMeter();
        var melody = {
            ticks_per_quarter: division,
            time_signatures: meter.time_signatures,
            key_signature: collectKeySignature(staff),
            notes: notes,
            pickup_ticks: meter.pickup_ticks
        };
        // Headless runs leave the exchange files beside the output, for whoever checks the run.
        var stem = outputPath !== "" ? outputPath : melodyFile.tempPath() + "/harmonizer-" + Date.now();
        var keep = keepTemporaryFiles || outputPath !== "";
        var melodyPath = stem + ".melody.json";
        var chordsPath = stem + ".chords.json";
        melodyFile.source = melodyPath;
        if (!melodyFile.write(JSON.stringify(melody)))
            return "Cannot write the temporary file " + melodyPath + ".";
        harmonizerError = "";
        var command = runHarmonizer(melodyPath, chordsPath, stem + ".error.txt");
        if (command === "" && harmonizerError !== "") {
            if (!keep)
                melodyFile.remove();
            return "harmonizer: " + harmonizerError;
        }
        if (command === "") {
            if (!keep)
                melodyFile.remove();
            return "harmonizer did not run. Install it (pip install /path/to/harmonizer) or set " +
                   "harmonizerCommand in harmonize.qml. Tried:\n" + attempts.join("\n");
        }
        log("ran: " + command);
        var result;
        try {
            result = JSON.parse(chordsFile.read());
        } catch (error) {
            return "harmonizer wrote unreadable chords to " + chordsPath + ": " + error;
        }
        if (!keep) {
            melodyFile.remove();
            chordsFile.remove();
        }
        if (!result || !result.chords || result.chords.length === 0)
            return "harmonizer found no chords for staff " + (staff + 1) + ".";

        curScore.startCmd();
        var removed = 0, counts;
        try {
            if (replaceChordSymbols)
                removed = removeChordSymbols(staff);
            counts = addChordSymbols(staff, result.chords);
        } catch (error) {
            curScore.endCmd(true);                          // roll back half-done changes
            return "Adding the chord symbols failed: " + error;
        }
        curScore.endCmd();
        var message = "Key " + result.key;
        if (result.overruled_key_signature)                 // e.g. a C-major signature nobody set
            message += " (the melody outweighed the score's key signature, " + result.overruled_key_signature + ")";
        message += ": added " + counts[0] + " chord symbols to staff " + (staff + 1);
        if (removed > 0)
            message += " (replacing " + removed + ")";
        if (counts[1] > 0)
            message += "; " + counts[1] + " chord changes fall where no note or rest starts and were left out";
        return "OK " + message + ".";
    }

    onRun: {
        outputPath = environmentVariable("HARMONIZER_PLUGIN_OUT");
        var message = harmonize();
        var ok = message.indexOf("OK ") === 0;
        report(ok ? message.substring(3) : message, !ok);
        if (outputPath !== "") {
            var format = formatFor(outputPath);
            if (format === "") {
                log("HARMONIZER_PLUGIN_OUT must end in .musicxml, .mxl, .mscz or .mscx: " + outputPath);
            } else if (!ok) {
                log("not saved: " + outputPath);
            } else if (writeScore(curScore, outputPath, format)) {
                log("saved " + outputPath);
            } else {
                log("writeScore failed: " + outputPath);
            }
            Qt.quit();
        }
    }
}
