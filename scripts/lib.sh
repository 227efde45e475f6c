# shellcheck shell=bash
# Helpers shared by the scripts in this directory. Source it; do not run it.
#
#   ensure_packages PKG...          install missing Debian packages with apt-get
#   ensure_swift                    put a Swift 6.2+ toolchain on PATH, or explain how to get one
#   ensure_python_packages NAME...  pip-install Python packages that cannot be imported
#   swift_scratch_args              SwiftPM's --scratch-path from $SCRATCH_PATH (array `scratch_args`)
#
# Environment:
#   SCRATCH_PATH   build directory for SwiftPM (default: SwiftPM's own, `.build`)

if [[ -n ${_kairos_lib_loaded:-} ]]; then
    return 0
fi
_kairos_lib_loaded=1
_kairos_apt_updated=

kairos_swift_minimum=6.2

# Messages go to stderr so that they never mix with output a caller captures.
info() {
    if [[ -t 2 ]]; then
        printf '\033[1m==> %s\033[0m\n' "$*" >&2
    else
        printf '==> %s\n' "$*" >&2
    fi
}
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# package_present PKG: is this Debian package (or what it provides) already here?
# Tools are looked up on PATH first, so a python3 from pyenv or a kcat built from
# source counts; libraries are asked of pkg-config, then of dpkg.
package_present() {
    local package=$1
    case $package in
        kcat | pkg-config | python3)
            command -v "$package" >/dev/null 2>&1 && return 0
            ;;
        librdkafka-dev)
            pkg-config --exists rdkafka 2>/dev/null && return 0
            ;;
        librocksdb-dev)
            pkg-config --exists rocksdb 2>/dev/null && return 0
            ;;
    esac
    command -v dpkg-query >/dev/null 2>&1 || return 1
    [[ $(dpkg-query -W -f='${Status}' "$package" 2>/dev/null) == "install ok installed" ]]
}

# as_root CMD...: run as root, through sudo when we are not root.
as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "installing packages needs root, and sudo is not available; run as root or install them yourself: $*"
    fi
}

# ensure_packages PKG...: install the Debian packages that are missing. `apt-get update`
# runs at most once per script, and only when something has to be installed.
ensure_packages() {
    local package
    local -a missing=()
    for package in "$@"; do
        package_present "$package" || missing+=("$package")
    done
    ((${#missing[@]} == 0)) && return 0

    if ! command -v apt-get >/dev/null 2>&1; then
        die "missing: ${missing[*]} (Debian package names). This system has no apt-get; install the equivalents with its package manager."
    fi
    info "Installing ${missing[*]}"
    if [[ -z $_kairos_apt_updated ]]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        _kairos_apt_updated=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    for package in "${missing[@]}"; do
        package_present "$package" || die "installing $package did not work; see apt-get's messages above"
    done
}

# swift_version: "6.3.1" from `swift --version`.
swift_version() {
    swift --version 2>/dev/null | sed -n 's/.*Swift version \([0-9][0-9.]*\).*/\1/p' | head -n 1
}

# version_at_least HAVE NEED: true when HAVE >= NEED (dotted numbers).
version_at_least() {
    local lowest
    lowest=$(printf '%s\n%s\n' "$1" "$2" | sort -t. -k1,1n -k2,2n -k3,3n | head -n 1)
    [[ $lowest == "$2" ]]
}

# ensure_swift: a Swift toolchain of version 6.2 or newer on PATH. Looks on PATH, then in
# /opt/swift/usr/bin (the layout of the official Linux tarballs unpacked in /opt/swift).
ensure_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        local candidate
        for candidate in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
            if [[ -x $candidate/swift ]]; then
                export PATH="$candidate:$PATH"
                break
            fi
        done
    fi
    if ! command -v swift >/dev/null 2>&1; then
        die "Swift $kairos_swift_minimum or newer is needed and was not found on PATH or in /opt/swift/usr/bin.
       Install it from https://www.swift.org/install/ (or use swiftly), then put its usr/bin on PATH."
    fi
    local version
    version=$(swift_version)
    if [[ -z $version ]] || ! version_at_least "$version" "$kairos_swift_minimum"; then
        die "Swift $kairos_swift_minimum or newer is needed; $(command -v swift) is version ${version:-unknown}.
       Install a newer toolchain from https://www.swift.org/install/ and put it first on PATH."
    fi
}

# ensure_python_packages NAME...: make `import NAME` work for python3. Uses pip; where the
# interpreter is Debian's own (pip refuses to touch it, PEP 668), installs python3-NAME with apt.
ensure_python_packages() {
    ensure_packages python3
    local name
    local -a missing=()
    for name in "$@"; do
        python3 -c "import $name" >/dev/null 2>&1 || missing+=("$name")
    done
    ((${#missing[@]} == 0)) && return 0

    info "Installing Python packages ${missing[*]} for $(command -v python3)"
    local pip_output
    if ! pip_output=$(PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 \
        python3 -m pip install --quiet "${missing[@]}" 2>&1); then
        if [[ $(python3 -c 'import sys; print(sys.prefix)') == /usr ]]; then
            info "pip may not install into Debian's own python3; using the Debian packages instead"
            ensure_packages "${missing[@]/#/python3-}"
        else
            printf '%s\n' "$pip_output" >&2
        fi
    fi
    for name in "${missing[@]}"; do
        python3 -c "import $name" >/dev/null 2>&1 ||
            die "python3 cannot import $name; install it for $(command -v python3) (python3 -m pip install $name)"
    done
}

# swift_scratch_args: sets the array `scratch_args` to `--scratch-path $SCRATCH_PATH`, or empty.
swift_scratch_args() {
    # shellcheck disable=SC2034  # read by the caller
    scratch_args=()
    if [[ -n ${SCRATCH_PATH:-} ]]; then
        # shellcheck disable=SC2034
        scratch_args=(--scratch-path "$SCRATCH_PATH")
    fi
}
