// Command genkeys writes docs/keys.md, the key reference, from the key map in
// ui/keys.go, so that the reference never drifts from the code:
//
//	go run ./hack/genkeys          # from the repository root
//	go test ./hack/genkeys         # fails when docs/keys.md is stale (-update rewrites it)
//
// The ui package exports no list of its bindings, so genkeys reads the source:
// the fields of the keyMap struct (grouped by the comments between them) and the
// key.NewBinding calls in newKeyMap, written as b(k("q", "ctrl+c"), "q", "quit").
// If that shape changes, genkeys fails and says so rather than guessing.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// binding is one entry of the key map.
type binding struct {
	Field string   // the keyMap field, e.g. Quit
	Keys  []string // what key.Matches accepts, e.g. q, ctrl+c
	Help  string   // the key as the help shows it
	Desc  string   // what it does
}

// group is a run of keyMap fields under one comment ("// Pane scrolling.").
type group struct {
	Title    string
	Bindings []binding
}

func main() {
	root := "."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	out, err := generate(root)
	if err != nil {
		fmt.Fprintf(os.Stderr, "genkeys: %v\n", err)
		os.Exit(1)
	}
	if err := os.WriteFile(filepath.Join(root, "docs", "keys.md"), out, 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "genkeys: %v\n", err)
		os.Exit(1)
	}
}

// generate renders docs/keys.md for the repository at root.
func generate(root string) ([]byte, error) {
	groups, err := readKeyMap(filepath.Join(root, "ui", "keys.go"))
	if err != nil {
		return nil, err
	}
	return render(groups), nil
}

// readKeyMap parses the keyMap struct and newKeyMap in file.
func readKeyMap(file string) ([]group, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	var fields *ast.FieldList
	var ctor *ast.FuncDecl
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			for _, s := range d.Specs {
				if ts, ok := s.(*ast.TypeSpec); ok && ts.Name.Name == "keyMap" {
					if st, ok := ts.Type.(*ast.StructType); ok {
						fields = st.Fields
					}
				}
			}
		case *ast.FuncDecl:
			if d.Name.Name == "newKeyMap" {
				ctor = d
			}
		}
	}
	if fields == nil || ctor == nil {
		return nil, shapeError(file, "no keyMap struct or no newKeyMap func")
	}
	values, err := readBindings(fset, file, ctor)
	if err != nil {
		return nil, err
	}

	var groups []group
	for _, fl := range fields.List {
		if fl.Doc != nil || len(groups) == 0 {
			title := "Keys"
			if fl.Doc != nil {
				title = strings.TrimSuffix(strings.TrimSpace(fl.Doc.Text()), ".")
			}
			groups = append(groups, group{Title: title})
		}
		for _, n := range fl.Names {
			b, ok := values[n.Name]
			if !ok {
				return nil, shapeError(file, "newKeyMap does not set "+n.Name)
			}
			delete(values, n.Name)
			groups[len(groups)-1].Bindings = append(groups[len(groups)-1].Bindings, b)
		}
	}
	for name := range values {
		return nil, shapeError(file, "newKeyMap sets "+name+", which keyMap does not declare")
	}
	return groups, nil
}

// readBindings reads the composite literal newKeyMap returns.
func readBindings(fset *token.FileSet, file string, ctor *ast.FuncDecl) (map[string]binding, error) {
	var lit *ast.CompositeLit
	ast.Inspect(ctor.Body, func(n ast.Node) bool {
		if r, ok := n.(*ast.ReturnStmt); ok && len(r.Results) == 1 {
			if u, ok := r.Results[0].(*ast.UnaryExpr); ok {
				if cl, ok := u.X.(*ast.CompositeLit); ok {
					lit = cl
				}
			}
		}
		return lit == nil
	})
	if lit == nil {
		return nil, shapeError(file, "newKeyMap does not return &keyMap{...}")
	}
	out := map[string]binding{}
	for _, e := range lit.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		if !ok {
			return nil, shapeError(file, "an element of &keyMap{...} is not Field: value")
		}
		name := kv.Key.(*ast.Ident).Name
		at := fset.Position(kv.Pos())
		call, ok := kv.Value.(*ast.CallExpr)
		if !ok || len(call.Args) != 3 {
			return nil, shapeError(file, fmt.Sprintf("line %d: %s is not b(k(keys...), help, desc)", at.Line, name))
		}
		var keys []string
		switch a := call.Args[0].(type) {
		case *ast.Ident: // nil: matched by no key (typing filters the list)
			if a.Name != "nil" {
				return nil, shapeError(file, fmt.Sprintf("line %d: %s: keys are %s", at.Line, name, a.Name))
			}
		case *ast.CallExpr:
			for _, ka := range a.Args {
				s, err := stringLit(ka)
				if err != nil {
					return nil, shapeError(file, fmt.Sprintf("line %d: %s: %v", at.Line, name, err))
				}
				keys = append(keys, s)
			}
		default:
			return nil, shapeError(file, fmt.Sprintf("line %d: %s: keys are not k(...)", at.Line, name))
		}
		help, err1 := stringLit(call.Args[1])
		desc, err2 := stringLit(call.Args[2])
		if err := errors.Join(err1, err2); err != nil {
			return nil, shapeError(file, fmt.Sprintf("line %d: %s: %v", at.Line, name, err))
		}
		out[name] = binding{Field: name, Keys: keys, Help: help, Desc: desc}
	}
	return out, nil
}

func stringLit(e ast.Expr) (string, error) {
	bl, ok := e.(*ast.BasicLit)
	if !ok || bl.Kind != token.STRING {
		return "", errors.New("not a string literal")
	}
	return strconv.Unquote(bl.Value)
}

func shapeError(file, what string) error {
	return fmt.Errorf("%s: %s; genkeys reads the key map from the source and needs updating "+
		"(or the ui package should export its bindings)", file, what)
}

// render writes the Markdown reference.
func render(groups []group) []byte {
	var b bytes.Buffer
	b.WriteString(`<!-- Generated from ui/keys.go by 'go run ./hack/genkeys'. Do not edit: 'go test ./hack/genkeys' fails when this file is stale. -->

# tailui keys

Every key binding of the terminal UI, as the key map in ` + "`ui/keys.go`" + ` defines it. In
tailui, ` + "`?`" + ` shows the same reference, and the footer lists the keys that apply to what
has focus (those that do not apply right now are left out). A key may appear in more than
one section: what it does depends on where the focus is (a pane, an input line, the
sources panel).

Mouse (unless ` + "`--no-mouse`" + `): a click focuses a pane, the wheel scrolls, a drag selects
lines; hold shift (option on macOS) for the terminal's own selection. Over SSH and in
tmux, copying (` + "`y`" + `) uses the OSC 52 clipboard sequence, which the local terminal must
allow.

`)
	for _, g := range groups {
		fmt.Fprintf(&b, "## %s\n\n| Keys | Action | Binding |\n|---|---|---|\n", g.Title)
		for _, bd := range g.Bindings {
			var keys []string
			for _, k := range bd.Keys {
				keys = append(keys, code(k))
			}
			ks := strings.Join(keys, " ")
			if len(bd.Keys) == 0 {
				ks = "(" + bd.Help + ")"
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", ks, cell(bd.Desc), bd.Field)
		}
		b.WriteString("\n")
	}
	b.WriteString("The Binding column names each binding for a future `keys:` section of the config file\n" +
		"(`tailui config init` describes it); tailui cannot rebind keys yet.\n")
	return b.Bytes()
}

// code renders a key as inline code that survives a Markdown table cell.
func code(k string) string {
	return "`" + strings.ReplaceAll(k, "|", `\|`) + "`"
}

func cell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}
