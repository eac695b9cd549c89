//! Encoding a message once, and decoding every layer of what comes back.
//!
//! An ink! 5 message returns `MessageResult<T>` = `Result<T, LangError>`; for our
//! fallible messages `T` is `Result<R, E>` with `E` the contract's error enum.

use crate::chain::{CallReport, Chain, ChainError, ContractEvent, Weight};
use ink::primitives::LangError;
use interfaces::{AccountId, Deployment, GenesisHash};
use scale::{Decode, Encode};

/// A 4-byte message or constructor selector.
pub type Selector = [u8; 4];

/// Why a typed call did not return the contract's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError<E> {
    /// The contract refused, with its own named error.
    #[error("the contract refused: {0:?}")]
    Contract(E),
    /// The chain did not run the call to its end (trap, out of gas, no contract there).
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The contract could not dispatch the input (wrong contract, unknown selector).
    #[error("the contract could not dispatch the call: {0:?}")]
    Lang(LangError),
    /// The contract's answer did not decode as the type this client expects.
    #[error("undecodable answer: {0}")]
    Decode(String),
}

/// A successful call: the value, what it weighed, and the events it emitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt<T> {
    pub value: T,
    pub weight: Weight,
    pub events: Vec<ContractEvent>,
    /// The fee paid for the extrinsic (see [`crate::CallReport::fee`]).
    pub fee: Option<u128>,
}

/// The selector of a message (`"register_citizen"`), a trait message
/// (`"IdentityRegistry::is_active"`) or a constructor (`"new"`): the first four bytes of
/// the name's blake2-256, as ink! computes it.
pub fn selector(name: &str) -> Selector {
    let hash = crate::blake2_256(name.as_bytes());
    [hash[0], hash[1], hash[2], hash[3]]
}

impl<T> Receipt<T> {
    /// The same receipt with its value turned into another.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Receipt<U> {
        Receipt {
            value: f(self.value),
            weight: self.weight,
            events: self.events,
            fee: self.fee,
        }
    }
}

/// The encoded input of a message or constructor: selector ++ SCALE(arguments).
pub fn input<A: Encode>(selector: Selector, args: A) -> Vec<u8> {
    let mut data = selector.to_vec();
    args.encode_to(&mut data);
    data
}

fn decode_all<T: Decode, E>(bytes: &[u8]) -> Result<T, ClientError<E>> {
    let mut cursor = bytes;
    let value = T::decode(&mut cursor).map_err(|e| ClientError::Decode(e.to_string()))?;
    if !cursor.is_empty() {
        return Err(ClientError::Decode(format!(
            "{} trailing bytes",
            cursor.len()
        )));
    }
    Ok(value)
}

/// Decodes the output of a message that returns `Result<R, E>`.
pub fn fallible<R: Decode, E: Decode>(report: CallReport) -> Result<Receipt<R>, ClientError<E>> {
    let message: Result<Result<R, E>, LangError> = decode_all(&report.output)?;
    match message {
        Err(lang) => Err(ClientError::Lang(lang)),
        Ok(Err(error)) => Err(ClientError::Contract(error)),
        Ok(Ok(value)) => Ok(Receipt {
            value,
            weight: report.weight,
            events: report.events,
            fee: report.fee,
        }),
    }
}

/// Decodes the output of a message that returns a plain `R` (a query that cannot fail).
pub fn infallible<R: Decode, E>(report: CallReport) -> Result<Receipt<R>, ClientError<E>> {
    let message: Result<R, LangError> = decode_all(&report.output)?;
    match message {
        Err(lang) => Err(ClientError::Lang(lang)),
        Ok(value) => Ok(Receipt {
            value,
            weight: report.weight,
            events: report.events,
            fee: report.fee,
        }),
    }
}

/// A deployed contract: its address and the chain calls that go to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractHandle {
    pub address: AccountId,
}

impl ContractHandle {
    /// Instantiates `code` with a constructor returning `Result<Self, E>`.
    pub fn instantiate<C: Chain, A: Encode, E: Decode>(
        chain: &mut C,
        signer: AccountId,
        code: &[u8],
        constructor: Selector,
        args: A,
        salt: Vec<u8>,
    ) -> Result<Receipt<Self>, ClientError<E>> {
        let (address, report) = chain.instantiate(signer, code, input(constructor, args), salt)?;
        Ok(fallible::<(), E>(report)?.map(|()| Self { address }))
    }

    /// Instantiates `code` with the constructor `new` and `args`, followed by the chain's
    /// genesis hash when `bound` (the constructor of a contract whose signatures bind its
    /// chain takes it last): `(args.., genesis)` encodes as `args` then the hash.
    pub fn instantiate_new<C: Chain, A: Encode, E: Decode>(
        chain: &mut C,
        signer: AccountId,
        code: &[u8],
        args: A,
        bound: bool,
        salt: Vec<u8>,
    ) -> Result<Receipt<Self>, ClientError<E>> {
        if bound {
            Self::instantiate_bound(chain, signer, code, |genesis| (args, genesis), salt)
        } else {
            Self::instantiate(chain, signer, code, selector("new"), args, salt)
        }
    }

    /// Instantiates `code` with the constructor `new`, whose arguments end with the chain's
    /// genesis hash (I-1: what the contract's signatures bind): `args` gets it and returns
    /// them all.
    pub fn instantiate_bound<C: Chain, A: Encode, E: Decode>(
        chain: &mut C,
        signer: AccountId,
        code: &[u8],
        args: impl FnOnce(GenesisHash) -> A,
        salt: Vec<u8>,
    ) -> Result<Receipt<Self>, ClientError<E>> {
        let genesis = chain.genesis_hash();
        Self::instantiate(chain, signer, code, selector("new"), args(genesis), salt)
    }

    /// A state-changing message returning `Result<R, E>`.
    pub fn call<C: Chain, A: Encode, R: Decode, E: Decode>(
        &self,
        chain: &mut C,
        signer: AccountId,
        selector: Selector,
        args: A,
    ) -> Result<Receipt<R>, ClientError<E>> {
        fallible(chain.call(signer, self.address, input(selector, args))?)
    }

    /// `call`, noting the extrinsic before it goes out (see [`Chain::call_noted`]).
    pub fn call_noted<C: Chain, A: Encode, R: Decode, E: Decode>(
        &self,
        chain: &mut C,
        signer: AccountId,
        selector: Selector,
        args: A,
        sending: &mut dyn FnMut(crate::SentCall) -> Result<(), String>,
    ) -> Result<Receipt<R>, ClientError<E>> {
        fallible(chain.call_noted(signer, self.address, input(selector, args), sending)?)
    }

    /// A read-only message returning a plain `R`; state changes (none expected) are discarded.
    pub fn read<C: Chain, A: Encode, R: Decode, E>(
        &self,
        chain: &mut C,
        signer: AccountId,
        selector: Selector,
        args: A,
    ) -> Result<Receipt<R>, ClientError<E>> {
        infallible(chain.query(signer, self.address, input(selector, args))?)
    }

    /// This contract on its chain, as the contract says (its `chain_id()` message): what
    /// the signatures it takes bind (I-1). A signer asks once and keeps it.
    pub fn deployment<C: Chain, E>(&self, chain: &mut C) -> Result<Deployment, ClientError<E>> {
        let reader = AccountId::from([0; 32]);
        let chain_id = self
            .read(chain, reader, selector("ChainBound::chain_id"), ())?
            .value;
        Ok(Deployment {
            contract: self.address,
            chain: chain_id,
        })
    }

    /// A read-only message returning `Result<R, E>`.
    pub fn read_fallible<C: Chain, A: Encode, R: Decode, E: Decode>(
        &self,
        chain: &mut C,
        signer: AccountId,
        selector: Selector,
        args: A,
    ) -> Result<Receipt<R>, ClientError<E>> {
        fallible(chain.query(signer, self.address, input(selector, args))?)
    }
}

/// Typed wrappers for a client struct with a `handle: ContractHandle` field, each calling
/// the contract message `$label` (its own name, or a trait's `Trait::name`):
/// - `message!(tx E, name(args) -> R)`: a state-changing message returning `Result<R, E>`,
///   signed by `signer`;
/// - `message!(read E, name(args) -> R)`: a query returning a plain `R`;
/// - `message!(read_fallible E, name(args) -> R)`: a query returning `Result<R, E>`.
macro_rules! message {
    (tx $err:ty, $label:expr, $(#[$doc:meta])* $name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty) => {
        $(#[$doc])*
        pub fn $name<C: $crate::chain::Chain>(
            &self,
            chain: &mut C,
            signer: interfaces::AccountId
            $(, $arg: $ty)*
        ) -> Result<$crate::contract::Receipt<$ret>, $crate::contract::ClientError<$err>> {
            let selector = $crate::contract::selector($label);
            self.handle.call(chain, signer, selector, ($($arg,)*))
        }
    };
    (read $err:ty, $label:expr, $(#[$doc:meta])* $name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty) => {
        $(#[$doc])*
        pub fn $name<C: $crate::chain::Chain>(
            &self,
            chain: &mut C
            $(, $arg: $ty)*
        ) -> Result<$ret, $crate::contract::ClientError<$err>> {
            let (reader, selector) = (
                interfaces::AccountId::from([0; 32]),
                $crate::contract::selector($label),
            );
            self.handle
                .read(chain, reader, selector, ($($arg,)*))
                .map(|receipt| receipt.value)
        }
    };
    (read_fallible $err:ty, $label:expr, $(#[$doc:meta])* $name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty) => {
        $(#[$doc])*
        pub fn $name<C: $crate::chain::Chain>(
            &self,
            chain: &mut C
            $(, $arg: $ty)*
        ) -> Result<$ret, $crate::contract::ClientError<$err>> {
            let (reader, selector) = (
                interfaces::AccountId::from([0; 32]),
                $crate::contract::selector($label),
            );
            self.handle
                .read_fallible(chain, reader, selector, ($($arg,)*))
                .map(|receipt| receipt.value)
        }
    };
}
pub(crate) use message;

/// One message a typed client calls, as the client encodes it. A test holds every client's
/// list against the contract's metadata (`artifacts/<name>/<name>.json`: the selector,
/// whether it mutates, each argument's name and type), so a renamed message or a changed
/// argument cannot drift silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageSpec {
    /// The name the selector is computed from (`register_citizen`).
    pub name: &'static str,
    /// A state-changing message (`tx`), or a query.
    pub mutates: bool,
    /// Each argument's name and Rust type, as the client writes them.
    pub args: &'static [(&'static str, &'static str)],
}

/// [`message!`] for each listed message, and the client's `MESSAGES`: what it encodes,
/// for the metadata check. `tx E as "Trait::name", name(..)` calls a trait message.
macro_rules! messages {
    ($($kind:ident $err:ty $(as $label:literal)?, $(#[$doc:meta])* $name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty;)*) => {
        $( $crate::contract::message!(
            $kind $err,
            $crate::contract::label!($name $($label)?),
            $(#[$doc])* $name($($arg: $ty),*) -> $ret
        ); )*

        /// The messages this client encodes through `message!` (checked against the
        /// contract's metadata by a test).
        pub const MESSAGES: &'static [$crate::contract::MessageSpec] = &[
            $($crate::contract::MessageSpec {
                name: $crate::contract::label!($name $($label)?),
                mutates: $crate::contract::mutates(stringify!($kind)),
                args: &[$((stringify!($arg), stringify!($ty))),*],
            },)*
        ];
    };
}
pub(crate) use messages;

/// The name a message's selector is computed from: the client method's own name, or the
/// label given with `as` (a trait message: `as "PSP22::transfer"`).
macro_rules! label {
    ($name:ident) => {
        stringify!($name)
    };
    ($name:ident $label:literal) => {
        $label
    };
}
pub(crate) use label;

/// Whether a `message!` kind changes state (`tx`) or only reads.
pub const fn mutates(kind: &str) -> bool {
    matches!(kind.as_bytes(), b"tx")
}

/// A contract's events as one typed enum, `$enum::Variant(ev::Variant)` for each listed
/// event struct of the module `ev`, and the function `$decode(contract, events)` that
/// picks that contract's events out of a call's and decodes them in order. One list for
/// both, so an event cannot be in the enum and missing from the decoder.
/// A typed client of one contract, written once for every contract: the struct around its
/// [`ContractHandle`], `at` and `address`; with `signed`, also `deployment` (what the
/// contract's signers bind: it answers `ChainBound::chain_id`). With `deploy = new(args)`,
/// also the constructor: `deploy(chain, signer, code, args.., salt)` (a `signed` contract's
/// constructor takes the chain's genesis hash last, filled in from the chain), and
/// `CONSTRUCTOR`, its arguments for the metadata check. The messages come from
/// [`messages!`].
macro_rules! contract_client {
    ($(#[$doc:meta])* $client:ident, $error:ty, signed
        $(, $deploy:ident = new($($arg:ident : $ty:ty),* $(,)?))?) => {
        $crate::contract::contract_client!(@base $(#[$doc])* $client);
        impl $client {
            /// This contract on its chain: what its signers bind (see
            /// [`ContractHandle::deployment`](crate::contract::ContractHandle::deployment)).
            pub fn deployment<C: $crate::chain::Chain>(
                &self,
                chain: &mut C,
            ) -> Result<interfaces::Deployment, $crate::ClientError<$error>> {
                self.handle.deployment(chain)
            }
        }
        $($crate::contract::contract_client!(
            @new $client, $error, $deploy, true, ($($arg: $ty),*), [("chain", "GenesisHash")]
        );)?
    };
    ($(#[$doc:meta])* $client:ident, $error:ty
        $(, $deploy:ident = new($($arg:ident : $ty:ty),* $(,)?))?) => {
        $crate::contract::contract_client!(@base $(#[$doc])* $client);
        $($crate::contract::contract_client!(@new $client, $error, $deploy, false, ($($arg: $ty),*), []);)?
    };
    (@new $client:ident, $error:ty, $deploy:ident, $bound:literal,
        ($($arg:ident : $ty:ty),*), [$($chain:expr)?]) => {
        impl $client {
            /// Deploys `code` with the constructor `new` and these arguments (a contract
            /// whose signatures bind its chain takes the chain's genesis hash last, filled
            /// in here); `signer` becomes admin.
            #[allow(clippy::too_many_arguments)]
            pub fn $deploy<C: $crate::chain::Chain>(
                chain: &mut C,
                signer: interfaces::AccountId,
                code: &[u8],
                $($arg: $ty,)*
                salt: Vec<u8>,
            ) -> Result<$crate::Receipt<Self>, $crate::ClientError<$error>> {
                let args = ($($arg,)*);
                let receipt =
                    $crate::contract::ContractHandle::instantiate_new(chain, signer, code, args, $bound, salt)?;
                Ok(receipt.map(|handle| Self { handle }))
            }

            /// The constructor this client encodes (checked against the metadata).
            pub const CONSTRUCTOR: $crate::contract::MessageSpec = $crate::contract::MessageSpec {
                name: "new",
                mutates: true,
                args: &[$((stringify!($arg), stringify!($ty)),)* $($chain)?],
            };
        }
    };
    (@base $(#[$doc:meta])* $client:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $client {
            pub handle: $crate::contract::ContractHandle,
        }

        impl $client {
            /// The contract at `address`.
            pub fn at(address: interfaces::AccountId) -> Self {
                Self {
                    handle: $crate::contract::ContractHandle { address },
                }
            }

            pub fn address(&self) -> interfaces::AccountId {
                self.handle.address
            }
        }
    };
}
pub(crate) use contract_client;

macro_rules! contract_events {
    ($(#[$doc:meta])* $enum:ident, $decode:ident, [$($variant:ident),* $(,)?]) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum $enum {
            $($variant(ev::$variant),)*
        }

        /// This contract's events among `events`, typed, in order (other contracts'
        /// skipped).
        pub fn $decode(
            contract: interfaces::AccountId,
            events: &[$crate::chain::ContractEvent],
        ) -> Vec<$enum> {
            events
                .iter()
                .filter(|e| e.contract == contract)
                .filter_map(|event| {
                    $(
                        if let Some(e) = $crate::contract::decode_event::<ev::$variant>(event) {
                            return Some($enum::$variant(e));
                        }
                    )*
                    None
                })
                .collect()
        }
    };
}
pub(crate) use contract_events;

/// Decodes an event whose first topic is `T`'s signature topic.
pub fn decode_event<T: Decode + ink::env::Event>(event: &ContractEvent) -> Option<T> {
    let signature = T::SIGNATURE_TOPIC?;
    if event.topics.first() != Some(&signature) {
        return None;
    }
    T::decode(&mut event.data.as_slice()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_match_what_ink_computes() {
        assert_eq!(
            selector("register_citizen"),
            ink::selector_bytes!("register_citizen")
        );
        assert_eq!(selector("new"), ink::selector_bytes!("new"));
        assert_eq!(
            selector("IdentityRegistry::is_active"),
            ink::selector_bytes!("IdentityRegistry::is_active")
        );
    }

    #[test]
    fn every_layer_of_a_message_result_is_told_apart() {
        use interfaces::RegistryError;
        let report = |output: Vec<u8>| CallReport {
            output,
            ..Default::default()
        };
        let ok: Result<Result<u32, RegistryError>, LangError> = Ok(Ok(7));
        assert_eq!(
            fallible::<u32, RegistryError>(report(ok.encode()))
                .unwrap()
                .value,
            7
        );
        let refused: Result<Result<u32, RegistryError>, LangError> =
            Ok(Err(RegistryError::NotAdmin));
        assert_eq!(
            fallible::<u32, RegistryError>(report(refused.encode())).unwrap_err(),
            ClientError::Contract(RegistryError::NotAdmin)
        );
        let lang: Result<Result<u32, RegistryError>, LangError> = Err(LangError::CouldNotReadInput);
        assert_eq!(
            fallible::<u32, RegistryError>(report(lang.encode())).unwrap_err(),
            ClientError::Lang(LangError::CouldNotReadInput)
        );
        let mut trailing = ok.encode();
        trailing.push(0);
        assert!(matches!(
            fallible::<u32, RegistryError>(report(trailing)),
            Err(ClientError::Decode(_))
        ));
    }
}
